import time

if __name__ == "__main__":
    seconds = 60.0

    # Nothing happens: the run stays open so its streams stay idle.
    print("idle")
    time.sleep(seconds)
