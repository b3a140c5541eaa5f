export { CSVLogger, readCsv, type CSVLoggerOptions } from "./csv-logger";
export { hparamsToYaml, yamlToHparams } from "./hparams-yaml";
export { pyFloatRepr, pyFormat } from "./py-format";
