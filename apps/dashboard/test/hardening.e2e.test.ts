import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, postgresAvailable, TEST_ADMIN_URL } from "@automl/db/testing";
import { CHROMIUM_ARGS, startBuiltDashboard } from "./support";

const appDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const CHROMIUM = "/usr/bin/chromium";
const ADMIN_TOKEN = "hardening-admin-token-0123456789";

/**
 * The dashboard's own defences, over real HTTP against the built app (a server of its own, so the
 * rate limit it trips cannot disturb other tests): the session cookie's attributes, cross-origin
 * state-changing requests refused, failed logins rate-limited.
 */
describe.skipIf(!(await postgresAvailable()))("dashboard hardening (built app, Chromium)", () => {
  let dashboard: Awaited<ReturnType<typeof startBuiltDashboard>>;
  let testDb: Awaited<ReturnType<typeof createTestDatabase>>;
  let browser: Browser;

  beforeAll(async () => {
    if (!existsSync(path.join(appDir, ".next", "BUILD_ID"))) throw new Error("apps/dashboard/.next is missing: build the dashboard first");
    testDb = await createTestDatabase(TEST_ADMIN_URL);
    dashboard = await startBuiltDashboard({ AUTOML_DATABASE_URL: testDb.url, AUTOML_DASHBOARD_ADMIN_TOKEN: ADMIN_TOKEN });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    await dashboard?.stop();
    await testDb?.drop();
  });

  /**
   * Posts the login form as a browser without JavaScript would (the form's server-action id in a
   * hidden field), from `client` (X-Forwarded-For, as a proxy in front would set it).
   */
  async function postLogin(token: string, client: string, extra: Record<string, string> = {}) {
    const html = await (await fetch(`${dashboard.url}/login`)).text();
    const form = new FormData();
    for (const [, name] of html.matchAll(/name="(\$ACTION_[^"]+)"/g)) form.append(name!, "");
    form.append("token", token);
    form.append("next", "/");
    const res = await fetch(`${dashboard.url}/login`, { method: "POST", body: form, redirect: "manual", headers: { origin: dashboard.url, "x-forwarded-for": client, ...extra } });
    return { status: res.status, location: res.headers.get("location") ?? "", setCookie: res.headers.getSetCookie().join("\n") };
  }

  it("sets the session cookie HttpOnly and SameSite=Strict, and Secure behind TLS", async () => {
    const plain = await postLogin(ADMIN_TOKEN, "10.0.0.1");
    expect(plain).toMatchObject({ status: 303, location: "/" });
    expect(plain.setCookie).toMatch(/^automl_session=/);
    expect(plain.setCookie).toMatch(/HttpOnly/i);
    expect(plain.setCookie).toMatch(/SameSite=Strict/i);
    expect(plain.setCookie).not.toMatch(/;\s*Secure/i);
    const tls = await postLogin(ADMIN_TOKEN, "10.0.0.2", { "x-forwarded-proto": "https" });
    expect(tls.setCookie).toMatch(/;\s*Secure/i);
    // And a browser keeps it: Chromium logs in through the form and gets the cookie as set.
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${dashboard.url}/login`);
    await page.getByLabel("Access token").fill(ADMIN_TOKEN);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.waitForURL((u) => !u.pathname.startsWith("/login"));
    const cookie = (await context.cookies()).find((c) => c.name === "automl_session")!;
    expect([cookie.httpOnly, cookie.sameSite]).toEqual([true, "Strict"]);
    await context.close();
  });

  it("refuses a state-changing request from another origin, even with a valid session", async () => {
    const session = /automl_session=[^;]+/.exec((await postLogin(ADMIN_TOKEN, "10.0.0.3")).setCookie)![0];
    const cross = await fetch(`${dashboard.url}/`, { method: "POST", headers: { origin: "http://evil.example", cookie: session }, redirect: "manual" });
    expect(cross.status).toBe(403);
    expect(await cross.text()).toBe("cross-origin request refused");
    const same = await fetch(`${dashboard.url}/`, { method: "POST", headers: { origin: dashboard.url, cookie: session }, redirect: "manual" });
    expect(same.status).not.toBe(403);
    // The login form too: a page of another site cannot post tokens at it.
    expect((await fetch(`${dashboard.url}/login`, { method: "POST", headers: { origin: "http://evil.example" } })).status).toBe(403);
  });

  it("rate-limits failed logins per client: after 10 failures even the right token waits", async () => {
    for (let i = 0; i < 10; i++) {
      expect(await postLogin(`wrong-token-number-${i}-000000`, "10.9.9.9"), `attempt ${i + 1}`).toMatchObject({ status: 303, location: "/login?error=1&next=%2F" });
    }
    const limited = await postLogin(ADMIN_TOKEN, "10.9.9.9");
    expect(limited).toMatchObject({ status: 303, location: "/login?error=rate&next=%2F", setCookie: "" });
    const page = await browser.newPage();
    await page.goto(`${dashboard.url}${limited.location}`);
    expect(await page.locator(".error-box[role=alert]").innerText()).toBe("Too many failed logins from here: try again in a minute.");
    await page.close();
    // Another client is not affected.
    expect((await postLogin(ADMIN_TOKEN, "10.9.9.10")).setCookie).toMatch(/^automl_session=/);
  });
});
