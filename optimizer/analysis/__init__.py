"""Analyses built on many independent solves: explanation, withdrawal stress, frontiers.

Every analysis is a list of *variants* of one workbook (a condition switched
on, a nation declined, a cap lifted …), each planned by a fresh solve in a
``concurrent.futures`` executor: a local process pool by default, or a Dask
cluster (:mod:`optimizer.analysis.executor`).  Tasks receive plain data
(validated tables and a :class:`~optimizer.analysis.variants.Variant`) and
build their model inside the worker, so the results do not depend on the
executor or the number of workers.
"""
