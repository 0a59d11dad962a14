import { describe, expect, it } from "vitest";
import { packSurface, unpackSurface, type SurfaceArrays } from "./surface-codec";

function surface(grid: number, value: (i: number) => number): SurfaceArrays {
  const n = grid * grid;
  return { grid, x: [-1.5, 2.25], y: [0, 1], values: Array.from({ length: n }, (_, i) => value(i)), regions: 7, regionMap: Array.from({ length: n }, (_, i) => (i * 5) % 7) };
}

describe("decision surfaces as stored", () => {
  it("packs float32 values and region indices losslessly, as two base64 strings", () => {
    const s = surface(64, (i) => Math.fround(Math.sin(i) / 3));
    const packed = packSurface(s);
    expect(packed.valuesType).toBe("float32");
    expect(typeof packed.values).toBe("string");
    const text = JSON.stringify(packed);
    expect(text.length).toBeLessThan(JSON.stringify(s).length / 2.5); // ~28 KB against ~87 KB of JSON numbers
    expect(unpackSurface(JSON.parse(text))).toEqual(s);
  });

  it("keeps float64 values that are not float32 (a float64 network) exactly", () => {
    const s = surface(8, (i) => Math.sqrt(i + 2) / 7);
    const packed = packSurface(s);
    expect(packed.valuesType).toBe("float64");
    expect(unpackSurface(JSON.parse(JSON.stringify(packed)))).toEqual(s);
  });

  it("uses little-endian bytes whatever the host (checked against known bytes)", () => {
    const s = surface(2, (i) => [1, -2, 0.5, 0][i]!);
    s.regionMap = [0, 1, 256, 65536];
    const packed = packSurface(s);
    expect(Buffer.from(packed.values, "base64").toString("hex")).toBe("0000803f000000c00000003f00000000");
    expect(packed.regionMapType).toBe("int32");
    expect(Buffer.from(packed.regionMap, "base64").toString("hex")).toBe("00000000010000000001000000000100");
    expect(unpackSurface(packed)).toEqual(s);
  });

  it("packs region indices in the narrowest type that holds them", () => {
    for (const [top, type, bytes] of [[255, "uint8", 1], [256, "uint16", 2], [65535, "uint16", 2], [65536, "int32", 4], [-1, "int32", 4]] as const) {
      const s = surface(4, (i) => i);
      s.regionMap[15] = top;
      const packed = packSurface(s);
      expect(packed.regionMapType).toBe(type);
      expect(Buffer.from(packed.regionMap, "base64")).toHaveLength(16 * bytes);
      expect(unpackSurface(packed)!.regionMap).toEqual(s.regionMap);
    }
  });

  it("reads rows recorded before packing (JSON arrays, with or without a region map)", () => {
    const s = surface(4, (i) => i / 16);
    expect(unpackSurface(JSON.parse(JSON.stringify(s)))).toEqual(s);
    const { regionMap: _drop, ...old } = s;
    expect(unpackSurface(old)).toEqual({ ...old, regionMap: null });
  });

  it("refuses what is not a surface: wrong lengths, types or encodings", () => {
    const good = packSurface(surface(4, (i) => i));
    expect(unpackSurface(null)).toBeNull();
    expect(unpackSurface("x")).toBeNull();
    expect(unpackSurface({ ...good, grid: 5 })).toBeNull(); // the bytes no longer fit grid²
    expect(unpackSurface({ ...good, valuesType: "int8" })).toBeNull();
    expect(unpackSurface({ ...good, x: [0] })).toBeNull();
    expect(unpackSurface({ ...good, grid: 1e9 })).toBeNull();
    expect(unpackSurface({ ...surface(4, (i) => i), values: [1, 2, 3] })).toBeNull();
    expect(unpackSurface({ ...good, regionMap: "AAAA" })).toEqual({ ...unpackSurface(good)!, regionMap: null });
    expect(unpackSurface({ ...good, regionMapType: "toString" })).toEqual({ ...unpackSurface(good)!, regionMap: null });
  });
});
