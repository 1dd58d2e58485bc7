/**
 * `npm run tandem -- <command>`: accounts and the audit trail from the command line, on the same data dir and
 * database as the server (TANDEM_DATA_DIR, DATABASE_URL). For headless installs and automation. Passwords are read
 * from standard input (never from the command line, where `ps` would show them).
 *
 *   create-admin --username NAME            the first administrator (only while none exists)
 *   create-user --username NAME --role R     another account (viewer, operator or admin)
 *   create-token --username NAME --name N [--role R]   an API token for NAME (printed once)
 *   reset-password --username NAME          a new password; unlocks the account and ends its sessions
 *   reset-two-factor --username NAME         turns NAME's two-factor off (a lost device)
 *   list-users
 *   audit-verify                             walks the audit trail's hash chain (exit 1 when broken)
 */
import { spawnSync } from "node:child_process";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { getEnv } from "../lib/env";
import { createDb, type Db } from "../lib/db";
import { AuditLog } from "../lib/audit/log";
import { AuthService } from "../lib/auth/service";
import { SecretBox } from "../lib/auth/secret-box";
import { ZPassword, ZUsername } from "../lib/auth/passwords";
import { ROLES, type Role } from "../lib/auth/roles";
import { toAppError } from "../lib/errors";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

class UsageError extends Error {}

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const value = args[i + 1];
  if (value === undefined || value.startsWith("--")) throw new UsageError(`--${name}: needs a value`);
  return value;
}

function check<T>(schema: z.ZodType<T>, value: unknown, field: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new UsageError(`${field}: ${parsed.error.issues[0]?.message ?? "invalid"}`);
  return parsed.data;
}

/** A password from standard input: typed twice without echo at a terminal, else the first line of a pipe. */
async function readPassword(prompt: string): Promise<string> {
  if (!process.stdin.isTTY) {
    const rl = readline.createInterface({ input: process.stdin });
    for await (const line of rl) {
      rl.close();
      return check(ZPassword, line, "password");
    }
    throw new UsageError("password: expected on standard input");
  }
  const ask = (q: string) =>
    new Promise<string>((resolve) => {
      const rl = readline.createInterface({ input: process.stdin, output: process.stdout, terminal: true });
      const out = rl as unknown as { _writeToOutput: (s: string) => void };
      process.stdout.write(q);
      out._writeToOutput = () => undefined;
      rl.question("", (answer) => {
        rl.close();
        process.stdout.write("\n");
        resolve(answer);
      });
    });
  const first = check(ZPassword, await ask(prompt), "password");
  if ((await ask("again: ")) !== first) throw new UsageError("password: the two entries differ");
  return first;
}

async function main(): Promise<number> {
  const [command, ...args] = process.argv.slice(2);
  const env = getEnv();
  // The database must have its tables even before the first `npm start`.
  const migrate = spawnSync(process.execPath, [path.join(root, "scripts/prisma.mjs"), "migrate", "deploy"], {
    cwd: root,
    encoding: "utf8",
  });
  if (migrate.status !== 0) {
    process.stderr.write(migrate.stdout + migrate.stderr);
    return 1;
  }
  const db: Db = createDb(env.databaseUrl);
  const audit = new AuditLog(db, path.join(env.dataDir, "audit-head.json"));
  const auth = new AuthService(
    db,
    audit,
    SecretBox.open({ dataDir: env.dataDir, envKey: env.TANDEM_SECRET_KEY }),
  );
  const actor = `cli (${os.userInfo().username})`;
  const username = () => check(ZUsername, option(args, "username"), "--username");
  const record = (action: string, target: string, detail?: string) =>
    audit.append({ actor, action, target, address: "local", result: "ok", detail: detail ?? null });
  try {
    switch (command) {
      case "create-admin": {
        const name = username();
        const user = await auth.createFirstAdmin(
          { username: name, password: await readPassword("password: ") },
          actor,
          "local",
        );
        console.log(`administrator ${user.username} created`);
        return 0;
      }
      case "create-user": {
        const name = username();
        const role = check(
          z.enum(ROLES, "must be viewer, operator or admin"),
          option(args, "role"),
          "--role",
        );
        const user = await auth.createUser({
          username: name,
          password: await readPassword("password: "),
          role,
        });
        await record("user.create", user.username, role);
        console.log(`${role} ${user.username} created`);
        return 0;
      }
      case "create-token": {
        const user = await auth.userByName(username());
        const name = check(
          z
            .string()
            .regex(/^[\w .-]{1,64}$/, "must be 1-64 letters, digits, spaces, dots, dashes or underscores"),
          option(args, "name"),
          "--name",
        );
        const role: Role = check(
          z.enum(ROLES, "must be viewer, operator or admin"),
          option(args, "role") ?? user.role,
          "--role",
        );
        const token = await auth.createToken(user.id, { name, role });
        await record("token.create", `${user.username}/${name}`, role);
        // Only the token on standard output, so that `$(npm run -s tandem -- create-token ...)` captures it.
        console.error(`token "${name}" for ${user.username} (${role}); it is shown this once:`);
        console.log(token.token);
        return 0;
      }
      case "reset-password": {
        const user = await auth.userByName(username());
        await auth.setPassword(user.id, await readPassword("new password: "));
        await record("user.reset-password", user.username);
        console.log(`password of ${user.username} reset; its sessions ended`);
        return 0;
      }
      case "reset-two-factor": {
        const user = await auth.userByName(username());
        await auth.disableTotp(user.id);
        await record("user.reset-two-factor", user.username);
        console.log(`two-factor sign-in of ${user.username} turned off`);
        return 0;
      }
      case "list-users": {
        for (const u of await auth.listUsers())
          console.log(
            `${u.username}\t${u.role}\t${u.twoFactor ? "2fa" : "-"}\t${u.disabled ? "disabled" : "active"}`,
          );
        return 0;
      }
      case "audit-verify": {
        const verdict = await audit.verify();
        if (verdict.ok) {
          console.log(
            `audit trail intact: ${verdict.entries} entries${verdict.head ? `, head ${verdict.head.seq} ${verdict.head.hash.slice(0, 16)}…` : ""}`,
          );
          return 0;
        }
        console.error(`audit trail BROKEN at entry ${verdict.seq}: ${verdict.reason}`);
        return 1;
      }
      default:
        throw new UsageError(
          `unknown command ${command ?? "(none)"}: create-admin, create-user, create-token, reset-password, reset-two-factor, list-users, audit-verify`,
        );
    }
  } finally {
    await db.$disconnect();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError) console.error(`tandem: ${err.message}`);
    else {
      const e = toAppError(err);
      console.error(`tandem: ${e.userMessage}${e.message !== e.userMessage ? ` (${e.message})` : ""}`);
    }
    process.exit(2);
  },
);
