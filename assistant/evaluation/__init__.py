"""Measurement tools that stand beside the product: QA evaluation, BEIR benchmarks, the
speed bench, abstention calibration and HTML reports.

They use the assistant through its public classes (``Assistant``, the index, ``Searcher``);
the assistant never imports them.
"""
