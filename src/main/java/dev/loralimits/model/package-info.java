/**
 * The input model: LoRA attention instances as exact decimals ({@link dev.loralimits.model.DecimalMatrix}),
 * validated on construction with messages that name the field and the rule
 * ({@link dev.loralimits.model.Checks}), and the decimal result record
 * ({@link dev.loralimits.model.GradientResult}) shared by every method and the file formats.
 */
package dev.loralimits.model;
