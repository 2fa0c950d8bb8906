"""Machinery shared by the agents: exploration, the tabular control loop, DP sweeps, bandit runs."""
