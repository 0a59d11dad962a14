-- AlterTable
ALTER TABLE "EpochMetric" ADD COLUMN     "diagnostics" JSONB;

-- AlterTable
ALTER TABLE "FoldResult" ADD COLUMN     "metrics" JSONB;

-- AlterTable
ALTER TABLE "Trial" ADD COLUMN     "output" TEXT,
ADD COLUMN     "surface" JSONB;
