/**
 * The input model: LoRA attention instances as exact decimals ({@link dev.loralimits.model.DecimalMatrix}),
 * validated on construction with messages that name the field and the rule
 * ({@link dev.loralimits.model.Checks}), and the decimal result record
 * ({@link dev.loralimits.model.GradientResult}) shared by every method and the file formats. A
 * matrix of results beyond the decimal range is wide: mantissas times one power of ten
 * ({@link dev.loralimits.model.DecimalMatrix#wide}). Attention layers (heads, masks, an output
 * projection: spec/PROBLEMS.md §7) are {@link dev.loralimits.model.LayerInstance} with results
 * {@link dev.loralimits.model.LayerResult}; the paper's instance is the layer with one head, no
 * mask and no O ({@link dev.loralimits.model.LayerInstance#toPaperInstance}).
 */
package dev.loralimits.model;
