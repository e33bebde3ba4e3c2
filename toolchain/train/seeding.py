"""Seeds every generator the training scripts draw from, and makes PyTorch's kernels deterministic, so that a
rerun on the same PyTorch build writes the same model file byte for byte."""
import random

import numpy as np
import torch


def seed_everything(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)
