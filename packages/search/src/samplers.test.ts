import { BohbSampler } from "./bohb";
import { GridSampler } from "./grid";
import { RandomSampler } from "./random";
import { describeSamplerConformance } from "./sampler.conformance";
import { TpeSampler } from "./tpe";

describeSamplerConformance("random", () => new RandomSampler(), { continuous: true });
describeSamplerConformance("grid", () => new GridSampler(), { continuous: false });
describeSamplerConformance("tpe", () => new TpeSampler(), { continuous: true });
describeSamplerConformance("tpe (constant liar, short startup)", () => new TpeSampler({ startupTrials: 3, constantLiar: true }), { continuous: true });
describeSamplerConformance("bohb", () => new BohbSampler(), { continuous: true });
describeSamplerConformance("bohb (short startup, rungs at 1·2^k)", () => new BohbSampler({ minPoints: 3, reductionFactor: 2 }), { continuous: true });
