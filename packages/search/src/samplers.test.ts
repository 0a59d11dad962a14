import { GridSampler } from "./grid";
import { RandomSampler } from "./random";
import { describeSamplerConformance } from "./sampler.conformance";
import { TpeSampler } from "./tpe";
import { MultivariateTpeSampler } from "./mtpe";
import { GpSampler } from "./gp";
import { AutoSampler } from "./auto";

describeSamplerConformance("random", () => new RandomSampler(), { continuous: true });
describeSamplerConformance("grid", () => new GridSampler(), { continuous: false });
describeSamplerConformance("tpe", () => new TpeSampler(), { continuous: true });
describeSamplerConformance("tpe (constant liar, short startup)", () => new TpeSampler({ startupTrials: 3, constantLiar: true }), { continuous: true });
describeSamplerConformance("tpe-multivariate", () => new MultivariateTpeSampler(), { continuous: true });
describeSamplerConformance("tpe-multivariate (constant liar, short startup)", () => new MultivariateTpeSampler({ startupTrials: 3, constantLiar: true }), { continuous: true });
describeSamplerConformance("gp", () => new GpSampler(), { continuous: true });
describeSamplerConformance("gp (short startup, early handover)", () => new GpSampler({ startupTrials: 3, handoverTrials: 25 }), { continuous: true });
describeSamplerConformance("auto", () => new AutoSampler(), { continuous: true });
