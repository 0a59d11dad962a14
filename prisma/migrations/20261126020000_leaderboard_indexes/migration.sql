-- Leaderboard sorting and filtering (apps/dashboard): each sort key and each filter column
-- gets an index led by (studyId, status), so a page of 100k trials is an index range scan
-- plus LIMIT instead of a full sort.

-- CreateIndex
CREATE INDEX "Trial_studyId_status_cvStd_idx" ON "Trial"("studyId", "status", "cvStd");

-- CreateIndex
CREATE INDEX "Trial_studyId_status_depth_cvMean_idx" ON "Trial"("studyId", "status", "depth", "cvMean");

-- CreateIndex
CREATE INDEX "Trial_studyId_status_activation_cvMean_idx" ON "Trial"("studyId", "status", "activation", "cvMean");

-- CreateIndex
CREATE INDEX "Trial_studyId_status_paramCount_idx" ON "Trial"("studyId", "status", "paramCount");

-- CreateIndex
CREATE INDEX "Trial_studyId_status_learningRate_idx" ON "Trial"("studyId", "status", "learningRate");
