#!/usr/bin/env python3
"""Writes the whole-checkpoint fixtures of src/test/resources/dev/loralimits/io/checkpoint
(run from that folder with /usr/bin/python3: torch 1.13 and numpy; the safetensors container is
written by make_peft_fixtures.save_file, by hand, as safetensors.torch.save_file writes it).

Issue 13 item 4, "PEFT as it comes": `--base` given a model's whole `model.safetensors`, every
weight of the model under Hugging Face's names, of which only the selected attention module's
projections are read (spec/FORMATS.md 4.3). For each family a tiny model:

- llama: 2 layers, hidden 4, vocab 6, MLP 5, bfloat16 (as Llama checkpoints are stored), with
  embed_tokens, the norms, gate/up/down_proj, lm_head and a rotary_emb.inv_freq buffer;
  its adapters (float32, PEFT names; lora on q_proj and v_proj of both layers, and on q_proj,
  v_proj and o_proj of layer 1) hold alpha, beta and the data (X.0, X.1, Y.0, Y.1: two points
  of lengths 3 and 4).
- opt: 2 decoder layers, float16, q/k/v/out_proj with zero biases (as OPT's _init_weights makes
  them), fc1/fc2, layer norms, embed_tokens/embed_positions, lm_head; adapter on q_proj, v_proj.
- bart: an encoder layer and a decoder layer with self_attn and encoder_attn (two attention
  modules in decoder layer 0), float32, zero biases; the adapter adapts the decoder's
  encoder_attn (cross-attention data XQ.0, XK.0, XV.0, Y.0).
- bert: 2 layers, float32, attention.self.query/key/value and attention.output.dense with zero
  biases, the feed-forward intermediate.dense/output.dense, embeddings, pooler; adapter on
  query and value of layer 1.
- gpt2: 1 layer with the fused attn.c_attn (Conv1D, in x 3 out), refused.

For the Llama layer, `llama-layer1-torch-grads.safetensors` holds its loss and LoRA gradients by
torch float64 autograd through nn.Linear (2 heads, top-left causal mask, o_proj), PEFT's names.
For each module read by the tests, `*-small.safetensors` holds that module's projection weights
alone (names as in the checkpoint) and `*-ours.npz` the instance in our layout, transposed by
numpy (W = weight^T, B = lora_A^T, A = lora_B^T), so that the Java examples compare the whole
checkpoint with the small base and with an independent transposition.
"""
import numpy as np
import torch

from make_peft_fixtures import save_file

D = 4  # hidden size
R = 2  # LoRA rank
PEFT = "base_model.model."


def rnd(g, *shape, scale=0.5, dtype=torch.float32):
    return (torch.randn(*shape, generator=g) * scale).to(dtype)


def data(g, points):
    """Self-attention data X.i, Y.i (float64), i < points, of different lengths."""
    out = {}
    for i in range(points):
        out["X.%d" % i] = torch.randn(3 + i, D, generator=g, dtype=torch.float64)
        out["Y.%d" % i] = torch.randn(3 + i, D, generator=g, dtype=torch.float64)
    return out


def lora(g, adapter, module, locals_):
    for m in locals_:
        adapter[PEFT + module + "." + m + ".lora_A.weight"] = rnd(g, R, D, scale=0.25)
        adapter[PEFT + module + "." + m + ".lora_B.weight"] = rnd(g, D, R, scale=0.25)


def f64(t):
    return t.to(torch.float64).numpy()


def ours(base, adapter, module, locals_, extra):
    """The instance of `module` in our layout, transposed by numpy (FORMATS 4.3)."""
    o = {k: (v.numpy() if isinstance(v, torch.Tensor) else v) for k, v in extra.items()}
    for m, mu in zip(locals_, "QKVO"):
        o["W_" + mu] = f64(base[module + "." + m + ".weight"]).T
        a = PEFT + module + "." + m + ".lora_A.weight"
        if a in adapter:
            o["B_" + mu] = f64(adapter[a]).T
            o["A_" + mu] = f64(adapter[PEFT + module + "." + m + ".lora_B.weight"]).T
    return o


def small(base, module, locals_, name):
    save_file({module + "." + m + ".weight": base[module + "." + m + ".weight"] for m in locals_}, name, {"format": "pt"})


def llama():
    g = torch.Generator().manual_seed(41)
    bf = torch.bfloat16
    ck = {"model.embed_tokens.weight": rnd(g, 6, D, dtype=bf), "model.norm.weight": rnd(g, D, dtype=bf),
          "lm_head.weight": rnd(g, 6, D, dtype=bf)}
    for n in range(2):
        p = "model.layers.%d." % n
        for m in ("q_proj", "k_proj", "v_proj", "o_proj"):
            ck[p + "self_attn." + m + ".weight"] = rnd(g, D, D, dtype=bf)
        ck[p + "self_attn.rotary_emb.inv_freq"] = torch.tensor([1.0, 0.01], dtype=torch.float32)
        ck[p + "input_layernorm.weight"] = rnd(g, D, dtype=bf)
        ck[p + "post_attention_layernorm.weight"] = rnd(g, D, dtype=bf)
        ck[p + "mlp.gate_proj.weight"] = rnd(g, 5, D, dtype=bf)
        ck[p + "mlp.up_proj.weight"] = rnd(g, 5, D, dtype=bf)
        ck[p + "mlp.down_proj.weight"] = rnd(g, D, 5, dtype=bf)
    extra = {"alpha": torch.tensor(4.0, dtype=torch.float64), "beta": torch.tensor([0.5], dtype=torch.float64)}
    extra.update(data(g, 2))
    # PEFT's default target modules, q_proj and v_proj, in both layers (for `gradient`, `check`)
    adapter = {}
    for n in range(2):
        lora(g, adapter, "model.layers.%d.self_attn" % n, ("q_proj", "v_proj"))
    adapter.update(extra)
    # q_proj, v_proj and o_proj of layer 1 (for `layer`, which has the output projection)
    qvo = {}
    lora(g, qvo, "model.layers.1.self_attn", ("q_proj", "v_proj", "o_proj"))
    qvo.update(extra)
    save_file(ck, "llama-checkpoint.safetensors", {"format": "pt"})
    save_file(adapter, "llama-adapter.safetensors", {"format": "pt"})
    save_file(qvo, "llama-adapter-qvo.safetensors", {"format": "pt"})
    locals_ = ("q_proj", "k_proj", "v_proj", "o_proj")
    small(ck, "model.layers.1.self_attn", locals_, "llama-layer1-small.safetensors")
    # the paper's model (gradient) has no output projection: W_O is left out
    np.savez("llama-layer1-ours.npz", **ours(ck, adapter, "model.layers.1.self_attn", locals_[:3], extra))
    np.savez("llama-layer1-qvo-ours.npz", **ours(ck, qvo, "model.layers.1.self_attn", locals_, extra))
    torch_gradient(ck, qvo, "model.layers.1.self_attn", extra, "llama-layer1-torch-grads.safetensors")


def torch_gradient(ck, adapter, module, extra, name, heads=2):
    """The layer's loss and LoRA gradients by torch float64 autograd, nn.Linear with PEFT's LoRA
    (y = x W^T + (alpha/r) (x A^T) B^T), heads split by view, a top-left causal mask, o_proj;
    written with PEFT's gradient names, an independent check of the orientation of FORMATS 4.3."""
    alpha = float(extra["alpha"].reshape(()))
    beta = float(extra["beta"].reshape(()))
    params, weights = {}, {}
    for m in ("q_proj", "k_proj", "v_proj", "o_proj"):
        weights[m] = ck[module + "." + m + ".weight"].to(torch.float64)
        for f in ("lora_A", "lora_B"):
            k = PEFT + module + "." + m + "." + f + ".weight"
            if k in adapter:
                params[k] = adapter[k].to(torch.float64).clone().requires_grad_(True)

    def linear(x, m):
        y = torch.nn.functional.linear(x, weights[m])
        a = params.get(PEFT + module + "." + m + ".lora_A.weight")
        if a is not None:
            b = params[PEFT + module + "." + m + ".lora_B.weight"]
            y = y + (alpha / a.shape[0]) * torch.nn.functional.linear(torch.nn.functional.linear(x, a), b)
        return y

    loss = torch.zeros((), dtype=torch.float64)
    i = 0
    while "X.%d" % i in extra:
        x, y = extra["X.%d" % i], extra["Y.%d" % i]
        n = x.shape[0]
        q, k, v = (linear(x, m).view(n, heads, -1).transpose(0, 1) for m in ("q_proj", "k_proj", "v_proj"))
        s = beta * q @ k.transpose(1, 2)
        s = s.masked_fill(~torch.tril(torch.ones(n, n, dtype=torch.bool)), float("-inf"))
        z = (torch.softmax(s, dim=-1) @ v).transpose(0, 1).reshape(n, -1)
        loss = loss + 0.5 * ((linear(z, "o_proj") - y) ** 2).sum()
        i += 1
    loss.backward()
    out = {"loss": loss.detach()}
    for k, t in params.items():
        out[k + ".grad"] = t.grad
    save_file(out, name, {"format": "pt"})


def opt():
    g = torch.Generator().manual_seed(42)
    h = torch.float16
    ck = {"model.decoder.embed_tokens.weight": rnd(g, 6, D, dtype=h),
          "model.decoder.embed_positions.weight": rnd(g, 8, D, dtype=h),
          "model.decoder.final_layer_norm.weight": rnd(g, D, dtype=h),
          "model.decoder.final_layer_norm.bias": rnd(g, D, dtype=h),
          "lm_head.weight": rnd(g, 6, D, dtype=h)}
    for n in range(2):
        p = "model.decoder.layers.%d." % n
        for m in ("q_proj", "k_proj", "v_proj", "out_proj"):
            ck[p + "self_attn." + m + ".weight"] = rnd(g, D, D, dtype=h)
            ck[p + "self_attn." + m + ".bias"] = torch.zeros(D, dtype=h)
        for ln in ("self_attn_layer_norm", "final_layer_norm"):
            ck[p + ln + ".weight"] = rnd(g, D, dtype=h)
            ck[p + ln + ".bias"] = rnd(g, D, dtype=h)
        ck[p + "fc1.weight"] = rnd(g, 5, D, dtype=h)
        ck[p + "fc1.bias"] = rnd(g, 5, dtype=h)
        ck[p + "fc2.weight"] = rnd(g, D, 5, dtype=h)
        ck[p + "fc2.bias"] = rnd(g, D, dtype=h)
    adapter = {}
    for n in range(2):
        lora(g, adapter, "model.decoder.layers.%d.self_attn" % n, ("q_proj", "v_proj"))
    extra = {"alpha": torch.tensor(8.0, dtype=torch.float64), "beta": torch.tensor(0.5, dtype=torch.float64)}
    extra.update(data(g, 1))
    adapter.update(extra)
    save_file(ck, "opt-checkpoint.safetensors", {"format": "pt"})
    save_file(adapter, "opt-adapter.safetensors", {"format": "pt"})
    locals_ = ("q_proj", "k_proj", "v_proj", "out_proj")
    small(ck, "model.decoder.layers.1.self_attn", locals_, "opt-layer1-small.safetensors")
    np.savez("opt-layer1-ours.npz", **ours(ck, adapter, "model.decoder.layers.1.self_attn", locals_, extra))


def bart():
    g = torch.Generator().manual_seed(43)
    ck = {"model.shared.weight": rnd(g, 6, D), "model.encoder.layernorm_embedding.weight": rnd(g, D)}
    locals_ = ("q_proj", "k_proj", "v_proj", "out_proj")
    for module in ("model.encoder.layers.0.self_attn", "model.decoder.layers.0.self_attn",
                   "model.decoder.layers.0.encoder_attn"):
        for m in locals_:
            ck[module + "." + m + ".weight"] = rnd(g, D, D)
            ck[module + "." + m + ".bias"] = torch.zeros(D)
    ck["model.decoder.layers.0.fc1.weight"] = rnd(g, 5, D)
    ck["model.decoder.layers.0.encoder_attn_layer_norm.weight"] = rnd(g, D)
    adapter = {}
    cross = "model.decoder.layers.0.encoder_attn"
    lora(g, adapter, cross, ("q_proj", "v_proj"))
    extra = {"alpha": torch.tensor(2.0, dtype=torch.float64), "beta": torch.tensor(0.5, dtype=torch.float64),
             "XQ.0": torch.randn(3, D, generator=g, dtype=torch.float64),
             "XK.0": torch.randn(5, D, generator=g, dtype=torch.float64),
             "XV.0": torch.randn(5, D, generator=g, dtype=torch.float64),
             "Y.0": torch.randn(3, D, generator=g, dtype=torch.float64)}
    adapter.update(extra)
    save_file(ck, "bart-checkpoint.safetensors", {"format": "pt"})
    save_file(adapter, "bart-adapter.safetensors", {"format": "pt"})
    small(ck, cross, locals_, "bart-cross-small.safetensors")
    np.savez("bart-cross-ours.npz", **ours(ck, adapter, cross, locals_, extra))


def bert():
    g = torch.Generator().manual_seed(44)
    ck = {"bert.embeddings.word_embeddings.weight": rnd(g, 6, D),
          "bert.embeddings.position_embeddings.weight": rnd(g, 8, D),
          "bert.embeddings.LayerNorm.weight": rnd(g, D), "bert.embeddings.LayerNorm.bias": rnd(g, D),
          "bert.pooler.dense.weight": rnd(g, D, D), "bert.pooler.dense.bias": rnd(g, D)}
    locals_ = ("attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense")
    for n in range(2):
        p = "bert.encoder.layer.%d" % n
        for m in locals_:
            ck[p + "." + m + ".weight"] = rnd(g, D, D)
            ck[p + "." + m + ".bias"] = torch.zeros(D)
        ck[p + ".attention.output.LayerNorm.weight"] = rnd(g, D)
        ck[p + ".intermediate.dense.weight"] = rnd(g, 5, D)
        ck[p + ".intermediate.dense.bias"] = rnd(g, 5)
        ck[p + ".output.dense.weight"] = rnd(g, D, 5)  # the feed-forward output: no projection
        ck[p + ".output.dense.bias"] = rnd(g, D)
    adapter = {}
    lora(g, adapter, "bert.encoder.layer.1", ("attention.self.query", "attention.self.value"))
    extra = {"alpha": torch.tensor(4.0, dtype=torch.float64), "beta": torch.tensor(0.5, dtype=torch.float64)}
    extra.update(data(g, 1))
    adapter.update(extra)
    save_file(ck, "bert-checkpoint.safetensors", {"format": "pt"})
    save_file(adapter, "bert-adapter.safetensors", {"format": "pt"})
    small(ck, "bert.encoder.layer.1", locals_, "bert-layer1-small.safetensors")
    np.savez("bert-layer1-ours.npz", **ours(ck, adapter, "bert.encoder.layer.1", locals_, extra))


def gpt2():
    g = torch.Generator().manual_seed(45)
    ck = {"transformer.wte.weight": rnd(g, 6, D), "transformer.wpe.weight": rnd(g, 8, D),
          "transformer.h.0.ln_1.weight": rnd(g, D), "transformer.h.0.attn.c_attn.weight": rnd(g, D, 3 * D),
          "transformer.h.0.attn.c_attn.bias": torch.zeros(3 * D), "transformer.h.0.attn.c_proj.weight": rnd(g, D, D),
          "transformer.h.0.mlp.c_fc.weight": rnd(g, D, 5), "transformer.ln_f.weight": rnd(g, D)}
    save_file(ck, "gpt2-checkpoint.safetensors", {"format": "pt"})


if __name__ == "__main__":
    llama()
    opt()
    bart()
    bert()
    gpt2()
