import multiprocessing


def add_many(counter, times, use_lock):
    # `counter.value += 1` is a read, an add and a write: another process can write
    # in between, and then one of the two additions is lost.
    for _ in range(times):
        if use_lock:
            # Holding the Value's own lock makes read-add-write one step.
            with counter.get_lock():
                counter.value += 1
        else:
            counter.value += 1


if __name__ == "__main__":
    times = 200
    use_lock = False

    counter = multiprocessing.Value("i", 0)

    p1 = multiprocessing.Process(target=add_many, args=(counter, times, use_lock))
    p2 = multiprocessing.Process(target=add_many, args=(counter, times, use_lock))

    p1.start()
    p2.start()
    p1.join()
    p2.join()

    print("Expected {}, got {}".format(2 * times, counter.value))
