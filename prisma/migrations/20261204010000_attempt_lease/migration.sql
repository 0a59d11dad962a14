-- AlterTable
ALTER TABLE "Trial" ADD COLUMN     "leaseHash" TEXT;
