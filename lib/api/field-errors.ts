import type { z } from "zod";
import type { FieldError } from "../resources/create";

/** A refused body as the API answers it: `{ errors: [{ field, message }] }`, every problem at once. */
export function fieldErrors(error: z.ZodError): { errors: FieldError[] } {
  return {
    errors: error.issues.map((i) => ({
      field: i.code === "unrecognized_keys" ? i.keys.join(", ") : i.path.join(".") || "body",
      message: i.code === "unrecognized_keys" ? "is not a known field" : i.message,
    })),
  };
}
