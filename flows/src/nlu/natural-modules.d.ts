/**
 * Types for the natural sub-modules we import directly. The package's top-level entry
 * (require('natural')) loads its storage back-ends, which call dotenv.config() and print
 * five "injected env" banners to stdout (measured: 414 bytes per process) — fatal for the
 * JSON-lines CLI — so only these leaf modules are used.
 */
declare module 'natural/lib/natural/tfidf/tfidf' {
  class TfIdf {
    documents: Array<Record<string, number>>;
    constructor();
    addDocument(document: string[] | string, key?: unknown): void;
    idf(term: string, force?: boolean): number;
  }
  export = TfIdf;
}

declare module 'natural/lib/natural/classifiers/bayes_classifier' {
  class BayesClassifier {
    constructor(stemmer?: unknown, smoothing?: number);
    addDocument(text: string[] | string, label: string): void;
    train(): void;
    classify(observation: string[] | string): string;
    getClassifications(observation: string[] | string): Array<{ label: string; value: number }>;
  }
  export = BayesClassifier;
}

declare module 'natural/lib/natural/classifiers/logistic_regression_classifier' {
  class LogisticRegressionClassifier {
    constructor(stemmer?: unknown);
    addDocument(text: string[] | string, label: string): void;
    train(): void;
    classify(observation: string[] | string): string;
    getClassifications(observation: string[] | string): Array<{ label: string; value: number }>;
  }
  export = LogisticRegressionClassifier;
}

declare module 'natural/lib/natural/tokenizers/regexp_tokenizer' {
  export class WordTokenizer {
    tokenize(text: string): string[];
  }
}

declare module 'natural/lib/natural/sentiment/SentimentAnalyzer' {
  class SentimentAnalyzer {
    constructor(language: string, stemmer: unknown, vocabulary: string);
    getSentiment(words: string[]): number;
  }
  export = SentimentAnalyzer;
}
