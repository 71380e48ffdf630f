package dev.portcullis.operator.model;

/**
 * Something that keeps the operator from applying a spec, phrased for the person who must fix it.
 * {@code conditionType} says which status condition reports it.
 */
public record Problem(String conditionType, String reason, String message) {}
