import { describe, expect, it } from "vitest";
import { databaseUnavailable } from "./grpc-handlers";

describe("databaseUnavailable", () => {
  // The errors seen in postgres-drop.test.ts when pg_terminate_backend hits a connection in use.
  it.each([
    ["a terminated connection (Prisma P2039 carrying SQLSTATE 57P01)", Object.assign(new Error("Database error. Code: `57P01`. Message: `terminating connection due to administrator command`"), { code: "P2039" })],
    ["a pooled client that died", new Error("Client has encountered a connection error and is not queryable")],
    ["Prisma: server closed the connection", Object.assign(new Error("Server has closed the connection."), { code: "P1017" })],
    ["Prisma: cannot reach the database", Object.assign(new Error("Can't reach database server at 127.0.0.1:5432"), { code: "P1001" })],
    ["a reset socket", new Error("read ECONNRESET")],
  ])("%s is UNAVAILABLE (clients retry)", (_, err) => {
    const app = databaseUnavailable(err);
    expect(app?.code).toBe("UNAVAILABLE");
    expect(app?.cause).toBe(err);
  });

  it.each([
    ["a unique violation", Object.assign(new Error("Unique constraint failed on the fields: (`studyId`,`number`)"), { code: "P2002" })],
    ["a bug", new TypeError("Cannot read properties of undefined (reading 'cv')")],
    ["not an error at all", "boom"],
  ])("%s is not", (_, err) => {
    expect(databaseUnavailable(err)).toBeUndefined();
  });
});
