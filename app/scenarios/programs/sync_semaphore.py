import multiprocessing
import time


def use_a_slot(slots, name):
    # At most as many processes as the semaphore has slots are inside at once;
    # the others wait here until one gives its slot back.
    with slots:
        print(f"{name} has a slot")
        time.sleep(0.2)  # the work done while holding the slot
    print(f"{name} gave its slot back")


if __name__ == "__main__":
    workers = 4
    free_slots = 2

    slots = multiprocessing.Semaphore(free_slots)
    procs = [
        multiprocessing.Process(target=use_a_slot, args=(slots, f"worker {i}")) for i in range(1, workers + 1)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
