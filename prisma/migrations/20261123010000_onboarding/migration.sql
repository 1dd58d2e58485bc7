-- CreateTable
CREATE TABLE "ManagedHost" (
    "name" TEXT NOT NULL PRIMARY KEY,
    "address" TEXT NOT NULL,
    "port" INTEGER NOT NULL DEFAULT 22,
    "user" TEXT NOT NULL DEFAULT 'root',
    "status" TEXT NOT NULL,
    "scannedAlgorithm" TEXT NOT NULL,
    "scannedKeyBase64" TEXT NOT NULL,
    "scannedSha256" TEXT NOT NULL,
    "pinnedAlgorithm" TEXT,
    "pinnedKeyBase64" TEXT,
    "pinnedSha256" TEXT,
    "pinnedAt" DATETIME,
    "pinnedBy" TEXT,
    "panelAddress" TEXT NOT NULL,
    "agentPath" TEXT NOT NULL,
    "nodePath" TEXT NOT NULL,
    "publicKey" TEXT,
    "privateKeySealed" TEXT,
    "lastTestAt" DATETIME,
    "lastTestResult" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

