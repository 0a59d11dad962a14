-- CreateTable
CREATE TABLE "Ablation" (
    "id" TEXT NOT NULL,
    "studyId" TEXT NOT NULL,
    "baseStudyId" TEXT NOT NULL,
    "baseTrialId" TEXT NOT NULL,
    "baseRunTrialId" TEXT,
    "correction" TEXT NOT NULL,
    "level" DOUBLE PRECISION NOT NULL,
    "testTrainRatio" DOUBLE PRECISION NOT NULL,
    "metric" TEXT NOT NULL,
    "direction" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Ablation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AblationRow" (
    "id" SERIAL NOT NULL,
    "ablationId" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "factor" TEXT NOT NULL,
    "variant" TEXT NOT NULL,
    "trialId" TEXT,
    "skipReason" TEXT,
    "n" INTEGER NOT NULL,
    "meanScore" DOUBLE PRECISION,
    "meanDiff" DOUBLE PRECISION,
    "ciLow" DOUBLE PRECISION,
    "ciHigh" DOUBLE PRECISION,
    "t" DOUBLE PRECISION,
    "p" DOUBLE PRECISION,
    "pAdjusted" DOUBLE PRECISION,
    "significant" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "AblationRow_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ParamImportance" (
    "id" SERIAL NOT NULL,
    "studyId" TEXT NOT NULL,
    "param" TEXT NOT NULL,
    "importance" DOUBLE PRECISION NOT NULL,
    "method" TEXT NOT NULL,
    "trials" INTEGER NOT NULL,
    "computedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ParamImportance_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Ablation_studyId_key" ON "Ablation"("studyId");

-- CreateIndex
CREATE INDEX "Ablation_baseStudyId_idx" ON "Ablation"("baseStudyId");

-- CreateIndex
CREATE UNIQUE INDEX "AblationRow_ablationId_factor_variant_key" ON "AblationRow"("ablationId", "factor", "variant");

-- CreateIndex
CREATE UNIQUE INDEX "ParamImportance_studyId_method_param_key" ON "ParamImportance"("studyId", "method", "param");

-- AddForeignKey
ALTER TABLE "Ablation" ADD CONSTRAINT "Ablation_studyId_fkey" FOREIGN KEY ("studyId") REFERENCES "Study"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AblationRow" ADD CONSTRAINT "AblationRow_ablationId_fkey" FOREIGN KEY ("ablationId") REFERENCES "Ablation"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ParamImportance" ADD CONSTRAINT "ParamImportance_studyId_fkey" FOREIGN KEY ("studyId") REFERENCES "Study"("id") ON DELETE CASCADE ON UPDATE CASCADE;
