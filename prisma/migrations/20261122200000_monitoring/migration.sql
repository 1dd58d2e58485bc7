-- CreateTable
CREATE TABLE "IncidentEvent" (
    "incidentId" TEXT NOT NULL,
    "eventSeq" INTEGER NOT NULL,

    PRIMARY KEY ("incidentId", "eventSeq"),
    CONSTRAINT "IncidentEvent_incidentId_fkey" FOREIGN KEY ("incidentId") REFERENCES "Incident" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "IncidentEvent_eventSeq_fkey" FOREIGN KEY ("eventSeq") REFERENCES "Event" ("seq") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Sample" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "metric" TEXT NOT NULL,
    "host" TEXT,
    "resource" TEXT,
    "value" REAL NOT NULL
);

-- CreateTable
CREATE TABLE "Setting" (
    "key" TEXT NOT NULL PRIMARY KEY,
    "valueJson" TEXT NOT NULL,
    "updatedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Incident" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "key" TEXT,
    "kind" TEXT NOT NULL,
    "severity" TEXT NOT NULL,
    "host" TEXT,
    "resource" TEXT,
    "vm" TEXT,
    "jobId" TEXT,
    "summary" TEXT NOT NULL,
    "detailJson" TEXT,
    "openedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "closedAt" DATETIME,
    "updatedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
-- The runbook incidents so far named their source host in "subject".
INSERT INTO "new_Incident" ("closedAt", "id", "kind", "openedAt", "severity", "summary", "host", "updatedAt") SELECT "closedAt", "id", "kind", "openedAt", "severity", "summary", "subject", COALESCE("closedAt", "openedAt") FROM "Incident";
DROP TABLE "Incident";
ALTER TABLE "new_Incident" RENAME TO "Incident";
CREATE INDEX "Incident_openedAt_idx" ON "Incident"("openedAt");
CREATE INDEX "Incident_key_closedAt_idx" ON "Incident"("key", "closedAt");
CREATE TABLE "new_Event" (
    "seq" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "source" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "host" TEXT,
    "resource" TEXT,
    "vm" TEXT,
    "message" TEXT NOT NULL,
    "dataJson" TEXT
);
-- The events so far: a host became reachable or unreachable, an agent was installed ("subject": the host).
INSERT INTO "new_Event" ("at", "dataJson", "kind", "source", "host", "message") SELECT "at", "dataJson", "kind", CASE WHEN "kind" = 'agent.installed' THEN 'operator' ELSE 'connectivity' END, "subject", "subject" || ': ' || "kind" FROM "Event" ORDER BY "at";
DROP TABLE "Event";
ALTER TABLE "new_Event" RENAME TO "Event";
CREATE INDEX "Event_at_idx" ON "Event"("at");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "IncidentEvent_eventSeq_idx" ON "IncidentEvent"("eventSeq");

-- CreateIndex
CREATE INDEX "Sample_metric_at_idx" ON "Sample"("metric", "at");

