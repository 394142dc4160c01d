import time

if __name__ == "__main__":
    print("before the nap")
    time.sleep(0.3)
