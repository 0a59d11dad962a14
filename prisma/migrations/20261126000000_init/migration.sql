-- CreateEnum
CREATE TYPE "StudyStatus" AS ENUM ('RUNNING', 'COMPLETED', 'CANCELLED', 'FAILED');

-- CreateEnum
CREATE TYPE "TrialStatus" AS ENUM ('QUEUED', 'RUNNING', 'COMPLETED', 'PRUNED', 'FAILED', 'DIVERGED', 'CANCELLED');

-- CreateTable
CREATE TABLE "Study" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "spec" JSONB NOT NULL,
    "task" TEXT NOT NULL,
    "metric" TEXT NOT NULL,
    "direction" TEXT NOT NULL,
    "pool" TEXT NOT NULL DEFAULT 'cpu',
    "status" "StudyStatus" NOT NULL DEFAULT 'RUNNING',
    "budgetTrials" INTEGER NOT NULL,
    "parallel" INTEGER NOT NULL,
    "seed" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "Study_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Trial" (
    "id" TEXT NOT NULL,
    "studyId" TEXT NOT NULL,
    "number" INTEGER NOT NULL,
    "status" "TrialStatus" NOT NULL DEFAULT 'QUEUED',
    "params" JSONB NOT NULL,
    "depth" INTEGER NOT NULL,
    "widths" INTEGER[],
    "activation" TEXT NOT NULL,
    "learningRate" DOUBLE PRECISION NOT NULL,
    "batchSize" INTEGER NOT NULL,
    "paramCount" INTEGER NOT NULL,
    "attempt" INTEGER NOT NULL DEFAULT 0,
    "workerId" TEXT,
    "backend" TEXT,
    "cvMean" DOUBLE PRECISION,
    "cvStd" DOUBLE PRECISION,
    "error" TEXT,
    "divergedFold" INTEGER,
    "divergedEpoch" INTEGER,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),
    "heartbeatAt" TIMESTAMP(3),

    CONSTRAINT "Trial_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "FoldResult" (
    "id" SERIAL NOT NULL,
    "trialId" TEXT NOT NULL,
    "fold" INTEGER NOT NULL,
    "score" DOUBLE PRECISION NOT NULL,
    "loss" DOUBLE PRECISION NOT NULL,
    "epochs" INTEGER NOT NULL,

    CONSTRAINT "FoldResult_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "EpochMetric" (
    "id" SERIAL NOT NULL,
    "trialId" TEXT NOT NULL,
    "fold" INTEGER NOT NULL,
    "epoch" INTEGER NOT NULL,
    "trainLoss" DOUBLE PRECISION NOT NULL,
    "validLoss" DOUBLE PRECISION NOT NULL,
    "validMetric" DOUBLE PRECISION NOT NULL,

    CONSTRAINT "EpochMetric_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Worker" (
    "id" TEXT NOT NULL,
    "pool" TEXT NOT NULL,
    "hostname" TEXT NOT NULL,
    "pid" INTEGER NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "currentTrialId" TEXT,

    CONSTRAINT "Worker_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Study_status_idx" ON "Study"("status");

-- CreateIndex
CREATE INDEX "Trial_studyId_status_cvMean_idx" ON "Trial"("studyId", "status", "cvMean");

-- CreateIndex
CREATE UNIQUE INDEX "Trial_studyId_number_key" ON "Trial"("studyId", "number");

-- CreateIndex
CREATE UNIQUE INDEX "FoldResult_trialId_fold_key" ON "FoldResult"("trialId", "fold");

-- CreateIndex
CREATE UNIQUE INDEX "EpochMetric_trialId_fold_epoch_key" ON "EpochMetric"("trialId", "fold", "epoch");

-- AddForeignKey
ALTER TABLE "Trial" ADD CONSTRAINT "Trial_studyId_fkey" FOREIGN KEY ("studyId") REFERENCES "Study"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "FoldResult" ADD CONSTRAINT "FoldResult_trialId_fkey" FOREIGN KEY ("trialId") REFERENCES "Trial"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EpochMetric" ADD CONSTRAINT "EpochMetric_trialId_fkey" FOREIGN KEY ("trialId") REFERENCES "Trial"("id") ON DELETE CASCADE ON UPDATE CASCADE;
