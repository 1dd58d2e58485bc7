import { describe, expect, it } from "vitest";
import { fieldErrors } from "../../../lib/api/field-errors";
import { redactNotifications, ZHistorySettings, ZNotificationSettings } from "../../../lib/monitor/settings";

const email = {
  enabled: true,
  host: "smtp.farm.example",
  port: 587,
  security: "starttls",
  user: "tandem",
  password: "s3cret",
  from: "tandem@farm.example",
  to: ["oncall@farm.example"],
  minSeverity: "critical",
};
const refused = (body: unknown) => {
  const r = ZNotificationSettings.safeParse(body);
  return r.success ? [] : fieldErrors(r.error).errors;
};

describe("notification settings", () => {
  it("accepts a webhook and an SMTP server, and never shows the password", () => {
    const s = ZNotificationSettings.parse({
      webhook: { enabled: true, url: "https://hooks.example/tandem", minSeverity: "major" },
      email,
    });
    const shown = redactNotifications(s);
    expect(shown.email).not.toHaveProperty("password");
    expect(shown.email).toMatchObject({ passwordSet: true, host: "smtp.farm.example" });
  });

  it("names the field and the rule of each refusal", () => {
    expect(
      refused({ webhook: { enabled: true, url: "file:///etc/passwd", minSeverity: "major" }, email: null }),
    ).toEqual([{ field: "webhook.url", message: "must be an http:// or https:// URL" }]);
    expect(
      refused({
        webhook: null,
        email: {
          ...email,
          port: 70000,
          host: "smtp;rm -rf /",
          to: ["not-an-address"],
          minSeverity: "urgent",
        },
      }).map((e) => e.field),
    ).toEqual(["email.host", "email.port", "email.to.0", "email.minSeverity"]);
    expect(refused({ webhook: null, email: { ...email, to: [] } })).toEqual([
      { field: "email.to", message: "must name at least one recipient" },
    ]);
    expect(refused({ webhook: null, email: null, extra: 1 })).toEqual([
      { field: "extra", message: "is not a known field" },
    ]);
  });

  it("keeps the history at least a day and at most ten years", () => {
    expect(ZHistorySettings.safeParse({ retentionDays: 0 }).success).toBe(false);
    expect(ZHistorySettings.safeParse({ retentionDays: 3651 }).success).toBe(false);
    expect(ZHistorySettings.parse({ retentionDays: 90 })).toEqual({ retentionDays: 90 });
  });
});
