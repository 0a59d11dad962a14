-- AlterTable
ALTER TABLE "Trial" ADD COLUMN     "rung" INTEGER,
ADD COLUMN     "values" DOUBLE PRECISION[];
