import path from 'node:path';

/** Where the NLU's data files live (flows/data/nlu) and where eval figures are written. */
export const NLU_DATA_DIR = path.join(__dirname, '..', '..', 'data', 'nlu');
export const EVAL_RESULTS_PATH = path.join(__dirname, '..', '..', 'eval', 'results.json');
export const NATURAL_RESULTS_PATH = path.join(__dirname, '..', '..', 'eval', 'natural.json');
/** General-domain Chinese probe (reviews, weibo, news comments) with a dev and a locked half. */
export const GENERAL_PROBE_PATH = path.join(__dirname, '..', '..', 'eval', 'probe-general.jsonl');
