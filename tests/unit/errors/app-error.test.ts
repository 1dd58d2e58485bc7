import { describe, expect, it, vi } from "vitest";

describe("AppError across module copies", () => {
  it("is recognised by another copy of lib/errors, so its code survives (Next bundles its own copy)", async () => {
    const serverCopy = await import("../../../lib/errors/app-error");
    vi.resetModules();
    const routeCopy = await import("../../../lib/errors/app-error");
    expect(routeCopy.AppError).not.toBe(serverCopy.AppError);

    const thrown = new serverCopy.AppError("CONFLICT", "xen1 is simulated");
    expect(thrown instanceof routeCopy.AppError).toBe(true);
    const seen = routeCopy.toAppError(thrown);
    expect(seen).toBe(thrown);
    expect(seen.code).toBe("CONFLICT");
    expect(seen.httpStatus).toBe(409);
  });

  it("does not take a plain Error, or an object that only looks like one, for an AppError", async () => {
    const { AppError, toAppError } = await import("../../../lib/errors/app-error");
    expect(new Error("x") instanceof AppError).toBe(false);
    expect({ code: "CONFLICT", message: "x" } instanceof AppError).toBe(false);
    expect(toAppError({ code: "CONFLICT" }).code).toBe("INTERNAL");
  });
});
