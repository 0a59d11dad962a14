import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AppError, exitCodeOf } from "@automl/common";
import { prepareStudyFile } from "./study-input";

const root = mkdtempSync(join(tmpdir(), "automl-builtin-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const study = (dataset: string) => {
  const file = join(root, `${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, `name: s\ndataset: ${dataset}\ntask: multiclass\nspace: { depth: 1, width: 4 }\nbudget: { trials: 1 }\n`);
  return file;
};

async function refusal(file: string, dirs: { fashionMnist: string; sklearn: string }): Promise<AppError> {
  const err = await prepareStudyFile(file, { mode: "embedded", builtinDirs: dirs }).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

describe("a builtin file dataset that is not installed", () => {
  const empty = { fashionMnist: join(root, "no-fashion"), sklearn: join(root, "no-sklearn") };

  it("is refused before the study is created: exit 2 with the apt-get line", async () => {
    const err = await refusal(study("{ builtin: fashion-mnist, n: 1000 }"), empty);
    expect(err.code).toBe("INVALID_ARGUMENT");
    expect(exitCodeOf(err.code)).toBe(2);
    expect(err.message).toBe(`dataset.builtin: fashion-mnist: ${join(empty.fashionMnist, "train-images-idx3-ubyte.gz")} is missing; install it with \`apt-get install -y dataset-fashion-mnist\``);
    expect((await refusal(study("{ builtin: fashion-mnist, split: test }"), empty)).message).toContain("t10k-images-idx3-ubyte.gz is missing");
    for (const name of ["iris", "digits"]) expect((await refusal(study(`{ builtin: ${name} }`), empty)).message).toContain("`apt-get install -y python3-sklearn`");
  });

  it("passes once the files are there, and never applies to generated datasets", async () => {
    const dirs = { fashionMnist: join(root, "fashion"), sklearn: join(root, "sklearn") };
    mkdirSync(dirs.fashionMnist);
    for (const f of ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"]) writeFileSync(join(dirs.fashionMnist, f), "");
    await expect(prepareStudyFile(study("{ builtin: fashion-mnist }"), { mode: "embedded", builtinDirs: dirs })).resolves.toContain("fashion-mnist");
    // Only the labels of the test split are there: still refused, naming the file that is missing.
    writeFileSync(join(dirs.fashionMnist, "t10k-labels-idx1-ubyte.gz"), "");
    expect((await refusal(study("{ builtin: fashion-mnist, split: test }"), dirs)).message).toContain("t10k-images-idx3-ubyte.gz is missing");
    await expect(prepareStudyFile(study("{ builtin: xor, n: 100 }"), { mode: "embedded", builtinDirs: empty })).resolves.toContain("xor");
    await expect(prepareStudyFile(study("{ builtin: mnist, n: 100 }"), { mode: "embedded", builtinDirs: empty })).resolves.toContain("mnist");
  });
});
