export * from "./gen/automl/v1/automl";
