/** Run-time adaptation: strategies, temperature calibration, traces and their simulation. */
export * from './engine';
export * from './fixed';
export * from './naive';
export * from './stateDriven';
export * from './confidenceDriven';
export * from './contextRules';
export * from './budget';
export * from './strategies';
export * from './calibration';
export * from './trace';
export * from './simulate';
export * from './replayIntervals';
export * from './profiledSet';
export * from './calibrateProfile';
