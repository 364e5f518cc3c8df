"""What the runs mean: bands over replications, paired policy comparisons, sensitivity, discovery."""
