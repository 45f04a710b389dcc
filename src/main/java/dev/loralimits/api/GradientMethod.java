package dev.loralimits.api;

import dev.loralimits.model.LoraInstance;

/**
 * One way of computing the LoRA attention loss (Definition 1.2 / A.1) and the gradients of every
 * adapted projection of an instance: {@link Methods#reference}, {@link Methods#exact}, {@link
 * Methods#fast} or {@link Methods#auto}. Implementations are immutable and may be shared between
 * threads; {@link #compute} has no side effects beyond its progress listener.
 */
public interface GradientMethod {
  /**
   * The method's name as written in a gradient file's {@code "method"} field: {@code reference},
   * {@code exact}, {@code fast} or {@code auto}.
   *
   * @return the name, never null
   */
  String name();

  /**
   * The loss and the adapter gradients of {@code instance}.
   *
   * @param instance the instance, not null
   * @return the answer; for {@code fast} (and {@code auto} when it chose fast) with its certificate
   * @throws IllegalArgumentException when instance is null
   * @throws dev.loralimits.fast.OutsideEfficientRegimeException when {@code fast} cannot certify its
   *     epsilon (never from {@code auto}, which then answers with {@code exact})
   * @throws dev.loralimits.fast.OutOfDoubleRangeException when a double method cannot represent the
   *     instance (use the reference)
   * @throws dev.loralimits.reference.OutOfRangeException when the reference cannot answer
   * @throws ArithmeticException when the reference cannot certify its digits, or a double result
   *     overflows
   */
  Answer compute(LoraInstance instance);
}
