import { describe, expect, it } from "vitest";
import { parseEnv } from "../env";

describe("parseEnv", () => {
  it("accepts a postgres URL", () => {
    const url = "postgresql://postgres@127.0.0.1:5432/automl";
    expect(parseEnv({ AUTOML_DATABASE_URL: url })).toEqual({ AUTOML_DATABASE_URL: url });
  });

  it("names the variable when it is missing or not a postgres URL", () => {
    expect(() => parseEnv({})).toThrow("AUTOML_DATABASE_URL: required");
    expect(() => parseEnv({ AUTOML_DATABASE_URL: "mysql://x" })).toThrow("AUTOML_DATABASE_URL: must be a postgresql:// URL");
  });
});
