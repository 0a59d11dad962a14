-- CreateTable
CREATE TABLE "Model" (
    "id" TEXT NOT NULL,
    "studyId" TEXT NOT NULL,
    "trialId" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    "location" TEXT NOT NULL,
    "source" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Model_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Model_studyId_createdAt_idx" ON "Model"("studyId", "createdAt");

-- AddForeignKey
ALTER TABLE "Model" ADD CONSTRAINT "Model_studyId_fkey" FOREIGN KEY ("studyId") REFERENCES "Study"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- CreateTable
CREATE TABLE "Refit" (
    "id" TEXT NOT NULL,
    "studyId" TEXT NOT NULL,
    "trialId" TEXT NOT NULL,
    "trialNumber" INTEGER NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'PENDING',
    "modelId" TEXT,
    "error" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "Refit_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Refit_studyId_createdAt_idx" ON "Refit"("studyId", "createdAt");

-- AddForeignKey
ALTER TABLE "Refit" ADD CONSTRAINT "Refit_studyId_fkey" FOREIGN KEY ("studyId") REFERENCES "Study"("id") ON DELETE CASCADE ON UPDATE CASCADE;
