#!/usr/bin/python3
"""Makes pycls_complexity.json: complexity figures computed by pycls's own code.

Run once by hand (never by the tests):
`make_fixtures.py PYCLS_CHECKOUT OUT.json [cifar_regnet.yaml cifar_regnet/cfgs_summary.yaml]`.
pycls's complexity code needs only numpy; torch, yacs and iopath are stubbed so
its modules import. Each case holds the job config (model sections only), the
complexity pycls reports for it as written (net.complexity), and what pycls's
sweep setup does with it: the scaler's standardised sections and their complexity.
"""

import copy
import json
import random
import sys
import types

import numpy as np
import yaml


def install_stubs():
    torch = types.ModuleType("torch")
    nn = types.ModuleType("torch.nn")

    class Module:
        pass

    for name in ["Conv2d", "BatchNorm2d", "MaxPool2d", "AdaptiveAvgPool2d", "LayerNorm",
                 "Linear", "ReLU", "SiLU", "GELU", "Sigmoid", "Sequential", "Dropout",
                 "MultiheadAttention", "Parameter", "Identity"]:
        setattr(nn, name, type(name, (Module,), {}))
    nn.Module = Module
    torch.nn = nn
    sys.modules["torch"] = torch
    sys.modules["torch.nn"] = nn
    iopath = types.ModuleType("iopath")
    common = types.ModuleType("iopath.common")
    file_io = types.ModuleType("iopath.common.file_io")

    class PathManagerFactory:
        @staticmethod
        def get():
            return types.SimpleNamespace(open=open)

    file_io.PathManagerFactory = PathManagerFactory
    for name, mod in [("iopath", iopath), ("iopath.common", common), ("iopath.common.file_io", file_io)]:
        sys.modules[name] = mod
    yacs = types.ModuleType("yacs")
    yacs_config = types.ModuleType("yacs.config")

    class CfgNode(dict):
        def __getattr__(self, name):
            if name in self:
                return self[name]
            raise AttributeError(name)

        def __setattr__(self, name, value):
            self[name] = value

        def clone(self):
            return copy.deepcopy(self)

        def freeze(self):
            pass

        def register_deprecated_key(self, key):
            pass

        def merge_from_other_cfg(self, other):
            for k, v in other.items():
                if isinstance(v, dict) and k in self and isinstance(self[k], dict):
                    self[k].merge_from_other_cfg(v)
                else:
                    self[k] = copy.deepcopy(v)

        def merge_from_list(self, items):
            for k, v in zip(items[0::2], items[1::2]):
                node = self
                *path, last = k.split(".")
                for p in path:
                    node = node[p]
                node[last] = v

    yacs_config.CfgNode = CfgNode
    sys.modules["yacs"] = yacs
    sys.modules["yacs.config"] = yacs_config
    return CfgNode


def to_node(node_type, d):
    n = node_type()
    for k, v in d.items():
        n[k] = to_node(node_type, v) if isinstance(v, dict) else v
    return n


def plain(x):
    if isinstance(x, dict):
        return {k: plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [plain(v) for v in x]
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.floating):
        return float(x)
    return x


MODEL_SECTIONS = ["MODEL", "ANYNET", "REGNET", "RESNET", "EN"]


def main():
    checkout, out_file = sys.argv[1], sys.argv[2]
    sys.path.insert(0, checkout)
    node_type = install_stubs()
    # pycls/models/__init__.py pulls in the trainer (submitit, ...): load the modules alone.
    models_pkg = types.ModuleType("pycls.models")
    models_pkg.__path__ = [checkout + "/pycls/models"]
    sys.modules["pycls.models"] = models_pkg
    from pycls.core.config import cfg, reset_cfg
    from pycls.models import anynet, effnet, regnet, resnet, scaler

    models = {"anynet": anynet.AnyNet, "effnet": effnet.EffNet, "regnet": regnet.RegNet,
              "resnet": resnet.ResNet}

    def complexity():
        size = cfg.TRAIN.IM_SIZE
        cx = {"h": size, "w": size, "flops": 0, "params": 0, "acts": 0}
        cx = models[cfg.MODEL.TYPE].complexity(cx)
        return {"flops": cx["flops"], "params": cx["params"], "acts": cx["acts"]}

    def case(name, job_cfg):
        reset_cfg()
        cfg.merge_from_other_cfg(to_node(node_type, job_cfg))
        out = {"name": name, "cfg": job_cfg}
        try:
            out["complexity"] = complexity()
        except Exception as e:  # pycls fails on this config
            out["complexity_error"] = type(e).__name__
        if cfg.MODEL.TYPE == "regnet":
            r = cfg.REGNET
            ws, ds, num_s, total_s, _, _ = regnet.generate_regnet(r.WA, r.W0, r.WM, r.DEPTH)
            out["regnet_generate"] = plain({"widths": ws, "depths": ds, "num_stages": num_s,
                                            "total_stages": total_s})
        if cfg.MODEL.TYPE in ["anynet", "effnet", "regnet"]:
            try:
                scaler.scale_model()
                section = "EN" if cfg.MODEL.TYPE == "effnet" else "ANYNET"
                std = {"MODEL": {"TYPE": cfg.MODEL.TYPE}, section: plain(dict(cfg[section]))}
                std["TRAIN"] = {"IM_SIZE": cfg.TRAIN.IM_SIZE}
                std["TEST"] = {"IM_SIZE": cfg.TEST.IM_SIZE}
                out["standardized"] = std
                out["setup_complexity"] = complexity()
            except Exception as e:
                out["standardize_error"] = type(e).__name__
        return out

    cases = []
    # 1. Every config with a figure in pycls's dev/model_complexity.json.
    with open(checkout + "/dev/model_complexity.json") as f:
        published = json.load(f)
    for key in sorted(k for k in published if k.endswith(".yaml")):
        with open(checkout + "/" + key) as f:
            full = yaml.safe_load(f)
        job = {s: full[s] for s in MODEL_SECTIONS if s in full}
        job["TRAIN"] = {k: full["TRAIN"][k] for k in ["DATASET", "IM_SIZE"] if k in full.get("TRAIN", {})}
        c = case(key, job)
        assert c["complexity"] == published[key], (key, c["complexity"], published[key])
        c["published"] = True
        cases.append(c)

    # 2. The configs pycls's setup wrote for its cifar_regnet example sweep.
    if len(sys.argv) > 4:
        with open(sys.argv[3]) as f:
            base = yaml.safe_load(f)["SETUP"]["BASE_CFG"]
        with open(sys.argv[4]) as f:
            summary = yaml.safe_load(f)
        for name, key in sorted(summary.items()):
            job = copy.deepcopy({s: base[s] for s in MODEL_SECTIONS + ["TRAIN"] if s in base})
            job["TRAIN"] = {k: job["TRAIN"][k] for k in ["DATASET", "IM_SIZE"]}
            tokens = key.split(" ")
            for k, v in zip(tokens[0::2], tokens[1::2]):
                section, field = k.split(".")
                job.setdefault(section, {})[field] = yaml.safe_load(v)
            cases.append(case("cifar_regnet " + name, job))

    # 3. Random configs covering every stem, block, option and the scaler.
    rng = random.Random(2021)
    stems = ["res_stem_cifar", "res_stem_in", "simple_stem_in"]
    blocks = ["vanilla_block", "res_basic_block", "res_bottleneck_block", "res_bottleneck_linear_block"]
    scalings = [("", 1.0), ("", 1.0), ("", 1.0), ("d1_w8_g8_r1", 2.0), ("dwr", 4.0), ("w", 0.5),
                ("d1_w2", 3.0), ("g", 2.0)]

    def common(job):
        job.setdefault("MODEL", {})["NUM_CLASSES"] = rng.choice([10, 100, 1000])
        st, sf = rng.choice(scalings)
        if st:
            job["MODEL"]["SCALING_TYPE"], job["MODEL"]["SCALING_FACTOR"] = st, sf
        job["TRAIN"] = {"DATASET": rng.choice(["cifar10", "imagenet"]),
                        "IM_SIZE": rng.choice([32, 30, 34, 64, 96, 224, 226, 299])}
        return job

    for i in range(120):
        r = {"DEPTH": rng.randint(1, 30), "W0": 8 * rng.randint(1, 32),
             "WA": round(rng.uniform(0.0, 128.0), 1), "WM": round(rng.uniform(1.5, 3.0), 3),
             "GROUP_W": rng.choice([1, 2, 3, 4, 5, 6, 8, 12, 16, 20, 24, 40, 56, 64, 128]),
             "BOT_MUL": rng.choice([0.25, 0.5, 1.0, 1.0, 1.0, 2.0, 4.0])}
        if rng.random() < 0.5:
            r["SE_ON"] = True
            r["SE_R"] = rng.choice([0.25, 0.5])
        if rng.random() < 0.5:
            r["STEM_TYPE"] = rng.choice(stems)
            r["STEM_W"] = rng.choice([16, 24, 32, 36])
        if rng.random() < 0.3:
            r["BLOCK_TYPE"] = rng.choice(blocks)
        if rng.random() < 0.2:
            r["STRIDE"] = 1
        if rng.random() < 0.2:
            r["HEAD_W"] = rng.choice([512, 1024])
        cases.append(case("random regnet {}".format(i), common({"MODEL": {"TYPE": "regnet"}, "REGNET": r})))

    for i in range(80):
        n = rng.randint(1, 5)
        a = {"STEM_TYPE": rng.choice(stems), "STEM_W": rng.choice([16, 24, 32, 64]),
             "BLOCK_TYPE": rng.choice(blocks), "DEPTHS": [rng.randint(1, 6) for _ in range(n)],
             "WIDTHS": [rng.randint(4, 512) for _ in range(n)],
             "STRIDES": [rng.choice([1, 2]) for _ in range(n)]}
        if rng.random() < 0.6:
            a["BOT_MULS"] = [rng.choice([0.25, 0.5, 1.0, 2.0]) for _ in range(n)]
        if rng.random() < 0.6:
            a["GROUP_WS"] = [rng.choice([1, 2, 4, 8, 16, 24, 32]) for _ in range(n)]
        if rng.random() < 0.4:
            a["SE_ON"] = True
            a["SE_R"] = rng.choice([0.25, 0.125])
        if rng.random() < 0.2:
            a["HEAD_W"] = rng.choice([256, 1280])
        cases.append(case("random anynet {}".format(i), common({"MODEL": {"TYPE": "anynet"}, "ANYNET": a})))

    for i in range(40):
        n = rng.randint(1, 7)
        e = {"STEM_W": rng.choice([24, 32, 40]), "DEPTHS": [rng.randint(1, 4) for _ in range(n)],
             "WIDTHS": [8 * rng.randint(2, 40) for _ in range(n)],
             "EXP_RATIOS": [rng.choice([1, 3, 6]) for _ in range(n)],
             "STRIDES": [rng.choice([1, 2]) for _ in range(n)],
             "KERNELS": [rng.choice([3, 5, 7]) for _ in range(n)],
             "HEAD_W": rng.choice([1280, 1408, 1536])}
        if rng.random() < 0.3:
            e["SE_R"] = 0.5
        cases.append(case("random effnet {}".format(i), common({"MODEL": {"TYPE": "effnet"}, "EN": e})))

    for i in range(30):
        imagenet = rng.random() < 0.6
        job = {"MODEL": {"TYPE": "resnet", "NUM_CLASSES": rng.choice([10, 1000])}}
        if imagenet:
            job["MODEL"]["DEPTH"] = rng.choice([50, 101, 152])
            job["RESNET"] = {"TRANS_FUN": "bottleneck_transform", "NUM_GROUPS": rng.choice([1, 32, 64]),
                             "WIDTH_PER_GROUP": rng.choice([4, 8, 64]), "STRIDE_1X1": rng.random() < 0.5}
            job["TRAIN"] = {"DATASET": "imagenet", "IM_SIZE": rng.choice([224, 256, 299, 32])}
        else:
            job["MODEL"]["DEPTH"] = rng.choice([20, 32, 44, 56, 110])
            job["TRAIN"] = {"DATASET": "cifar10", "IM_SIZE": rng.choice([32, 28, 36])}
        cases.append(case("random resnet {}".format(i), job))

    with open(out_file, "w") as f:
        json.dump({"generator": "make_fixtures.py", "cases": cases}, f, indent=0, sort_keys=True)
    errors = sum(1 for c in cases if "complexity_error" in c or "standardize_error" in c)
    print("{} cases ({} where pycls fails)".format(len(cases), errors))


if __name__ == "__main__":
    main()
