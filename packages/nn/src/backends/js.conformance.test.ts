import { describeBackendConformance } from "../testing";
import { jsBackend } from "./js";

// The reference against itself: keeps the suite honest (its cases run and its tolerance
// checks cannot be vacuous for the reference), and it is the template for other backends.
describeBackendConformance("js", jsBackend);
