/** The training sandbox (issue 20): made-up cases in a database of their own, worked with the real workbench; feedback and training records. */
export { createTrainingPlugin, trainingNavigation } from './training-plugin.js';
export type { TrainingOptions } from './training-plugin.js';
export { caseFeedback, DEFAULT_TRAINING_RULES, readTrainingRules, sessionFeedback } from './feedback.js';
export type { CaseFeedback, SessionFeedback, TrainingRules } from './feedback.js';
export { getTrainingRecord, listTrainingRecords, maySeeRecord, TRAINING_EVENT } from './records.js';
export type { TrainingRecord } from './records.js';
export { seededRandom, syntheticAnswers, syntheticApplicant, syntheticRegistryRecord } from './synthetic.js';
export type { SyntheticApplicant } from './synthetic.js';
