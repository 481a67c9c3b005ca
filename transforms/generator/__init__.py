"""Synthetic Thailand: the world (persons, households, survey answers) and the agencies' deliveries.

Every random draw is a hash of (seed, entity key, purpose), so output does not depend on partitioning.
"""
