import { GridSampler } from "./grid";
import { RandomSampler } from "./random";
import { describeSamplerConformance } from "./sampler.conformance";
import { TpeSampler } from "./tpe";
import { MultivariateTpeSampler } from "./mtpe";

describeSamplerConformance("random", () => new RandomSampler(), { continuous: true });
describeSamplerConformance("grid", () => new GridSampler(), { continuous: false });
describeSamplerConformance("tpe", () => new TpeSampler(), { continuous: true });
describeSamplerConformance("tpe (constant liar, short startup)", () => new TpeSampler({ startupTrials: 3, constantLiar: true }), { continuous: true });
describeSamplerConformance("tpe-multivariate", () => new MultivariateTpeSampler(), { continuous: true });
describeSamplerConformance("tpe-multivariate (constant liar, short startup)", () => new MultivariateTpeSampler({ startupTrials: 3, constantLiar: true }), { continuous: true });
