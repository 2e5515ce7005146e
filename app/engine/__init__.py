"""nn-playground's engine: NumPy MLPs, the playground's data sets, and a step-by-step Trainer.

Pure NumPy and the standard library; usable on its own from a REPL or a notebook::

    from app.engine import Trainer, TrainerConfig
    trainer = Trainer(TrainerConfig(dataset="xor", hidden_layers=(8,)))
    trainer.train_epochs(100)
    trainer.metrics()
"""

from app.engine.activations import ACTIVATIONS, DERIVATIVES, ActivationName
from app.engine.config import Limits, TrainerConfig
from app.engine.datasets import (
    DATASETS,
    DOMAIN,
    DatasetName,
    DatasetSpec,
    make_dataset,
    split_train_test,
    validate_points,
)
from app.engine.features import FEATURES, FeatureName, make_features, make_features_columns
from app.engine.losses import REGULARIZATIONS, RegularizationName
from app.engine.network import Network
from app.engine.optimizers import OPTIMIZERS, OptimizerName
from app.engine.stability import STATUSES, Status
from app.engine.trainer import Trainer

__all__ = [
    "ACTIVATIONS",
    "DATASETS",
    "DERIVATIVES",
    "DOMAIN",
    "FEATURES",
    "OPTIMIZERS",
    "REGULARIZATIONS",
    "STATUSES",
    "ActivationName",
    "DatasetName",
    "DatasetSpec",
    "FeatureName",
    "Limits",
    "Status",
    "Network",
    "OptimizerName",
    "RegularizationName",
    "Trainer",
    "TrainerConfig",
    "make_dataset",
    "make_features",
    "make_features_columns",
    "split_train_test",
    "validate_points",
]
