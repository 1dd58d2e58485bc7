-- AlterTable
ALTER TABLE "Vm" ADD COLUMN "requiredOnFailover" BOOLEAN;

-- AlterTable
ALTER TABLE "Job" ADD COLUMN "planJson" TEXT;
ALTER TABLE "Job" ADD COLUMN "reportJson" TEXT;

