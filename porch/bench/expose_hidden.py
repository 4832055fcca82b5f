"""One-off graph edit of the shipped transformer: `python -m porch.bench.expose_hidden`.

NEEDS `pip install onnx` (a development tool only: Porch's runtime never imports it).

1. Adds the output ``hidden`` (batch x sequence x 384): the input of the last encoder layer
   (layer 4's output LayerNorm), through one Identity node. No weight changes, the other
   outputs stay bit for bit the same.
2. Writes ``top.npz`` beside the model: the last encoder layer's weights (the int8 matrices
   with their per-column float32 scales, zero points subtracted: weight = int8 * scale, exactly
   what the quantised graph multiplies by), its biases and LayerNorms, and the intent rows of
   the heads. porch/triage/toplayer.py reads it (allow_pickle=False).
3. Notes the edit in model.json (``hidden_output``).

Run it once on a model directory (default: the shipped model); running it again changes
nothing.
"""

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

MODEL_DIR = Path(__file__).resolve().parents[1] / "triage" / "trained" / "transformer"
LAYER = "/network/encoder/encoder/layer.5"
INPUT = "/network/encoder/encoder/layer.4/output/LayerNorm/LayerNormalization_output_0"
HIDDEN = "hidden"
INTENTS = 6
# top.npz's matrix name -> the MatMul (quantised: MatMulInteger) node that holds it.
MATRICES = {
    "wq": f"{LAYER}/attention/self/query/MatMul_quant",
    "wk": f"{LAYER}/attention/self/key/MatMul_quant",
    "wv": f"{LAYER}/attention/self/value/MatMul_quant",
    "wo": f"{LAYER}/attention/output/dense/MatMul_quant",
    "w1": f"{LAYER}/intermediate/dense/MatMul_quant",
    "w2": f"{LAYER}/output/dense/MatMul_quant",
    "head": "/network/heads/Gemm_MatMul_quant",
}
PREFIX = "network.encoder.encoder.layer.5."
VECTORS = {
    "bq": PREFIX + "attention.self.query.bias",
    "bk": PREFIX + "attention.self.key.bias",
    "bv": PREFIX + "attention.self.value.bias",
    "bo": PREFIX + "attention.output.dense.bias",
    "ln1_g": PREFIX + "attention.output.LayerNorm.weight",
    "ln1_b": PREFIX + "attention.output.LayerNorm.bias",
    "b1": PREFIX + "intermediate.dense.bias",
    "b2": PREFIX + "output.dense.bias",
    "ln2_g": PREFIX + "output.LayerNorm.weight",
    "ln2_b": PREFIX + "output.LayerNorm.bias",
    "head_b": "network.heads.bias",
}


def main(directory: Path = MODEL_DIR) -> None:
    try:
        import onnx
        from onnx import numpy_helper
    except ImportError:
        sys.exit("expose_hidden needs the onnx package: pip install onnx")
    path = directory / "model.onnx"
    model = onnx.load(str(path))
    graph = model.graph
    initial = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    nodes = {node.name: node for node in graph.node}

    arrays: dict[str, Any] = {}
    for name, node_name in MATRICES.items():
        node = nodes[node_name]
        weight, zero = initial[node.input[1]], initial[node.input[3]]
        scale = initial[next(s for s in _scale_inputs(graph, node_name) if s in initial)]
        if weight.dtype != np.int8 or np.any(zero != 0):
            raise SystemExit(f"{node_name}: expected symmetric int8 weights")
        arrays[name] = weight
        arrays[name + "_scale"] = scale.astype(np.float32)
    for name, init in VECTORS.items():
        arrays[name] = initial[init].astype(np.float32)
    # The heads are one 384 x 10 matrix: intent, sentiment, urgency; only intent is kept.
    arrays["head"] = arrays["head"][:, :INTENTS]
    arrays["head_scale"] = arrays["head_scale"][:INTENTS]
    arrays["head_b"] = arrays["head_b"][:INTENTS]
    np.savez_compressed(directory / "top.npz", **arrays)

    if HIDDEN not in [o.name for o in graph.output]:
        graph.node.append(
            onnx.helper.make_node("Identity", [INPUT], [HIDDEN], name="/hidden/Identity")
        )
        graph.output.append(
            onnx.helper.make_tensor_value_info(
                HIDDEN, onnx.TensorProto.FLOAT, ["batch", "sequence", 384]
            )
        )
        onnx.checker.check_model(model)
        onnx.save(model, str(path))
        meta_path = directory / "model.json"
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        meta["hidden_output"] = (
            "the 'hidden' output (the input of the last encoder layer, batch x sequence x 384, "
            "for porch/triage/toplayer.py's fine-tuning of that layer on corrections) was added "
            f"by porch/bench/expose_hidden.py on {datetime.now(UTC).date()}: one Identity node, "
            "no weight changed; top.npz holds that layer's weights, LayerNorms and the intent "
            "head, as the int8 graph has them"
        )
        meta_path.write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{path}: outputs {[o.name for o in graph.output]}; top.npz written")


def _scale_inputs(graph: Any, matmul_name: str) -> list[str]:
    """The weight scale of a quantised MatMul: the second input of its *_scales_mul node."""
    mul = matmul_name.replace("_quant", "_quant_scales_mul")
    return [n.input[1] for n in graph.node if n.name == mul]


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else MODEL_DIR)
