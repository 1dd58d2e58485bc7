-- CreateTable
CREATE TABLE "Host" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "address" TEXT NOT NULL,
    "sshPort" INTEGER,
    "sshUser" TEXT,
    "hostKeySha256" TEXT,
    "simulated" BOOLEAN NOT NULL DEFAULT false,
    "hypervisor" TEXT,
    "cpus" INTEGER,
    "memoryTotalMiB" INTEGER,
    "memoryFreeMiB" INTEGER,
    "dom0MemoryMiB" INTEGER,
    "standbyMiB" INTEGER NOT NULL DEFAULT 1024,
    "versionsJson" TEXT,
    "observationJson" TEXT,
    "lastSeenAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "DrbdResource" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "minor" INTEGER NOT NULL,
    "port" INTEGER,
    "protocol" TEXT,
    "mountPoint" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "DrbdSide" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "resourceId" TEXT NOT NULL,
    "hostId" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "disk" TEXT NOT NULL,
    "connection" TEXT NOT NULL,
    "replication" TEXT NOT NULL,
    "syncPercent" REAL,
    "etaSeconds" INTEGER,
    "observedAt" DATETIME NOT NULL,
    CONSTRAINT "DrbdSide_resourceId_fkey" FOREIGN KEY ("resourceId") REFERENCES "DrbdResource" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "DrbdSide_hostId_fkey" FOREIGN KEY ("hostId") REFERENCES "Host" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Vm" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "hostId" TEXT,
    "resourceId" TEXT,
    "state" TEXT NOT NULL,
    "domId" INTEGER,
    "memoryMiB" INTEGER NOT NULL,
    "maxMemoryMiB" INTEGER NOT NULL,
    "minMemoryMiB" INTEGER,
    "priority" INTEGER,
    "vcpus" INTEGER,
    "observedAt" DATETIME NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Vm_hostId_fkey" FOREIGN KEY ("hostId") REFERENCES "Host" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "Vm_resourceId_fkey" FOREIGN KEY ("resourceId") REFERENCES "DrbdResource" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Job" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "kind" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "targetJson" TEXT NOT NULL,
    "requestedBy" TEXT,
    "error" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" DATETIME,
    "finishedAt" DATETIME
);

-- CreateTable
CREATE TABLE "JobStep" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "jobId" TEXT NOT NULL,
    "index" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "detailJson" TEXT,
    "startedAt" DATETIME,
    "finishedAt" DATETIME,
    CONSTRAINT "JobStep_jobId_fkey" FOREIGN KEY ("jobId") REFERENCES "Job" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Incident" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "kind" TEXT NOT NULL,
    "severity" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "summary" TEXT NOT NULL,
    "openedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "closedAt" DATETIME
);

-- CreateTable
CREATE TABLE "Event" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "kind" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "dataJson" TEXT
);

-- CreateIndex
CREATE UNIQUE INDEX "Host_name_key" ON "Host"("name");

-- CreateIndex
CREATE UNIQUE INDEX "DrbdResource_name_key" ON "DrbdResource"("name");

-- CreateIndex
CREATE UNIQUE INDEX "DrbdSide_resourceId_hostId_key" ON "DrbdSide"("resourceId", "hostId");

-- CreateIndex
CREATE UNIQUE INDEX "Vm_name_key" ON "Vm"("name");

-- CreateIndex
CREATE UNIQUE INDEX "JobStep_jobId_index_key" ON "JobStep"("jobId", "index");

-- CreateIndex
CREATE INDEX "Event_at_idx" ON "Event"("at");

