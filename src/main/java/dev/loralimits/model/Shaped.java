package dev.loralimits.model;

/** Anything with a matrix shape; lets {@link Checks} report shapes uniformly. */
public interface Shaped {
  int rows();

  int cols();

  /** "RxC", used in messages. */
  default String shape() {
    return rows() + "x" + cols();
  }
}
