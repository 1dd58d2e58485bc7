import { describe, expect, it } from "vitest";
import { classifyVirshError } from "../../../../agents/drivers/libvirt/parse-virsh-error";
import { listSamples, loadSample, splitTranscript } from "../../helpers/fixtures";

const FILE = "virsh_setmem_errors.txt";

/** The quoted values of `key = "value"` lines in a tp-libvirt .cfg sample. */
function cfgValues(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/^\s*(\w+)\s*=\s*"(.*)"\s*$/gm)) out[m[1]!] = m[2]!;
  return out;
}

describe("virsh setmem/setmaxmem error fixtures", () => {
  it("covers every sample of the fixture file", () => {
    expect(listSamples(FILE)).toEqual([
      "tp-libvirt-balloon-msgs",
      "tp-libvirt-readonly",
      "weak-setmem-too-high",
    ]);
  });

  it("tp-libvirt-balloon-msgs: above max, no balloon, not running", () => {
    const msgs = cfgValues(loadSample(FILE, "tp-libvirt-balloon-msgs"));
    expect(msgs).toEqual({
      higher_error_msg: "cannot set memory higher than max memory",
      not_running_msg: "domain is not running",
      lower_error_msg:
        "Unable to change memory of active domain without the balloon device and guest OS balloon driver",
    });
    // As virsh prints them: "error: <libvirt error class>: <message>" (src/util/virerror.c).
    const higher = `error: invalid argument: ${msgs.higher_error_msg}\n`;
    expect(classifyVirshError(higher, 1)).toEqual({
      code: "VALIDATION_FAILED",
      message: "invalid argument: cannot set memory higher than max memory",
    });
    expect(classifyVirshError(`error: ${msgs.higher_error_msg}\n`, 1).code).toBe("VALIDATION_FAILED");

    const lower = `error: Requested operation is not valid: ${msgs.lower_error_msg}\n`;
    expect(classifyVirshError(lower, 1)).toEqual({
      code: "COMMAND_FAILED",
      message: `Requested operation is not valid: ${msgs.lower_error_msg}`,
    });

    const notRunning = `error: Requested operation is not valid: ${msgs.not_running_msg}\n`;
    expect(classifyVirshError(notRunning, 1)).toEqual({
      code: "COMMAND_FAILED",
      message: "Requested operation is not valid: domain is not running",
    });
  });

  it("tp-libvirt-readonly: 'forbidden.* read only' over a read-only connection", () => {
    const pattern = cfgValues(loadSample(FILE, "tp-libvirt-readonly")).setmem_err_msg!;
    expect(pattern).toBe("forbidden.* read only");
    // libvirt's read-only refusal (VIR_ERR_OPERATION_DENIED, virCheckReadOnlyGoto).
    const stderr = "error: operation forbidden: read only access prevents virDomainSetMemoryFlags\n";
    expect(new RegExp(pattern).test(stderr)).toBe(true);
    expect(classifyVirshError(stderr, 1)).toEqual({
      code: "FORBIDDEN",
      message: "operation forbidden: read only access prevents virDomainSetMemoryFlags",
    });
  });

  it("weak-setmem-too-high: setvcpus (message wrapped on two lines) and setmem above max", () => {
    const blocks = splitTranscript(loadSample(FILE, "weak-setmem-too-high"));
    expect(blocks.map((b) => b.command)).toEqual([
      "virsh setvcpus app01 5 --live",
      "virsh setmem app01 8G --live",
    ]);
    expect(classifyVirshError(blocks[0]!.output, blocks[0]!.exitCode ?? 1)).toEqual({
      code: "VALIDATION_FAILED",
      message:
        "invalid argument: requested vcpus is greater than max allowable vcpus\nfor the live domain: 5 > 4",
    });
    expect(classifyVirshError(blocks[1]!.output, blocks[1]!.exitCode ?? 1)).toEqual({
      code: "VALIDATION_FAILED",
      message: "invalid argument: cannot set memory higher than max memory",
    });
  });
});

describe("classifyVirshError", () => {
  it.each([
    ["error: failed to get domain 'vm9'\n", "NOT_FOUND", "failed to get domain 'vm9'"],
    [
      "error: failed to get domain 'vm9'\nerror: Domain not found: no domain with matching name 'vm9'\n",
      "NOT_FOUND",
      "failed to get domain 'vm9'\nDomain not found: no domain with matching name 'vm9'",
    ],
    [
      "error: Failed to start domain 'vm1'\nerror: internal error: process exited while connecting to monitor: qemu-system-x86_64: cannot set up guest memory 'pc.ram': Cannot allocate memory\n",
      "VM_NOT_ENOUGH_MEMORY",
      "Failed to start domain 'vm1'\ninternal error: process exited while connecting to monitor: qemu-system-x86_64: cannot set up guest memory 'pc.ram': Cannot allocate memory",
    ],
    [
      "error: Failed to start domain 'vm1'\nerror: internal error: libxenlight failed to create new domain 'vm1': Not enough memory\n",
      "VM_NOT_ENOUGH_MEMORY",
      "Failed to start domain 'vm1'\ninternal error: libxenlight failed to create new domain 'vm1': Not enough memory",
    ],
    [
      "error: access denied: 'start' operation is not permitted\n",
      "FORBIDDEN",
      "access denied: 'start' operation is not permitted",
    ],
    [
      "error: Numeric value '8X' for <size> option is malformed or out of range\n",
      "VALIDATION_FAILED",
      "Numeric value '8X' for <size> option is malformed or out of range",
    ],
    [
      "error: Requested operation is not valid: cannot resize the maximum memory on an active domain\n",
      "COMMAND_FAILED",
      "Requested operation is not valid: cannot resize the maximum memory on an active domain",
    ],
    [
      "error: Failed to start domain 'vm1'\nerror: Requested operation is not valid: domain is already running\n",
      "COMMAND_FAILED",
      "Failed to start domain 'vm1'\nRequested operation is not valid: domain is already running",
    ],
  ] as const)("classifies %j", (stderr, code, message) => {
    expect(classifyVirshError(stderr, 1)).toEqual({ code, message });
  });

  it("exit code 127 is a missing tool, whatever the text", () => {
    expect(classifyVirshError("sh: 1: virsh: not found\n", 127)).toEqual({
      code: "TOOL_MISSING",
      message: "sh: 1: virsh: not found",
    });
  });

  it("keeps the raw text when there is no 'error:' line, and says so when there is none at all", () => {
    expect(classifyVirshError("Segmentation fault\n", 139)).toEqual({
      code: "COMMAND_FAILED",
      message: "Segmentation fault",
    });
    expect(classifyVirshError("", null)).toEqual({
      code: "COMMAND_FAILED",
      message: "virsh failed (exit code none)",
    });
  });

  it("ignores what comes before the first 'error:' line", () => {
    expect(
      classifyVirshError(
        "warning: something odd\nerror: Domain not found: no domain with matching uuid 'x'\n",
        1,
      ),
    ).toEqual({ code: "NOT_FOUND", message: "Domain not found: no domain with matching uuid 'x'" });
  });
});
