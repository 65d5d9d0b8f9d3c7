from .cli import main

# The guard matters: the batch seeding's worker processes (multiprocessing "spawn")
# import this module under another name, and must not start a server.
if __name__ == "__main__":
    main()
