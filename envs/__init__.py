"""The simulation core (numpy, no gym imports at import time) and its Gymnasium/PettingZoo faces."""
