import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isoTime } from "../src/logger";

describe("the log timestamp", () => {
  const cases: { name: string; at: number }[] = [
    { name: "a whole second", at: Date.UTC(2026, 0, 31, 12, 34, 56, 0) },
    { name: "one millisecond in", at: Date.UTC(2026, 0, 31, 12, 34, 56, 7) },
    { name: "two-digit milliseconds", at: Date.UTC(2026, 0, 31, 12, 34, 56, 42) },
    { name: "the last millisecond of a year", at: Date.UTC(2026, 11, 31, 23, 59, 59, 999) },
    { name: "the first of the next year", at: Date.UTC(2027, 0, 1, 0, 0, 0, 0) },
    { name: "back in an earlier second", at: Date.UTC(2026, 0, 31, 12, 34, 55, 500) },
  ];
  for (const { name, at } of cases) {
    it(`is pino's isoTime for ${name}`, () => {
      assert.equal(isoTime(at), `,"time":"${new Date(at).toISOString()}"`);
    });
  }

  it("reads the clock when given no time", () => {
    const stamp = /^,"time":"(.+)"$/.exec(isoTime());
    assert.ok(stamp, "not a pino time fragment");
    const time = stamp[1] ?? "";
    assert.ok(Math.abs(Date.parse(time) - Date.now()) < 1000, `${time} is not now`);
  });
});
