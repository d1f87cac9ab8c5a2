"""Dataset model, loaders and splits."""

from fairrec_core.data._build import build_dataset
from fairrec_core.data._csv import (
    frames_to_dataset,
    load_csv_dir,
    parse_mapping,
    read_csv_header,
    read_csv_table,
)
from fairrec_core.data._dataset import DEFAULT_AGE_EDGES, Dataset, age_bands, age_group
from fairrec_core.data._files import read_file
from fairrec_core.data._movielens import load_movielens
from fairrec_core.data._regions import zip_to_region, zip_to_state
from fairrec_core.data._spec import SPEC_HELP, load_dataset, parse_synthetic
from fairrec_core.data._split import SPLIT_METHODS, Split, split_dataset
from fairrec_core.data._synthetic import SyntheticSpec, generate_shop, true_utilities
from fairrec_core.data._vocab import Vocabulary

__all__ = [
    "DEFAULT_AGE_EDGES",
    "SPEC_HELP",
    "SPLIT_METHODS",
    "Dataset",
    "Split",
    "SyntheticSpec",
    "Vocabulary",
    "age_bands",
    "age_group",
    "build_dataset",
    "frames_to_dataset",
    "generate_shop",
    "load_csv_dir",
    "load_dataset",
    "load_movielens",
    "parse_mapping",
    "parse_synthetic",
    "read_csv_header",
    "read_csv_table",
    "read_file",
    "split_dataset",
    "true_utilities",
    "zip_to_region",
    "zip_to_state",
]
