"""A SharedMemory block and a ShareableList written by a child that attaches by name."""

from multiprocessing import Process, shared_memory


def write(block_name, list_name):
    block = shared_memory.SharedMemory(name=block_name)
    block.buf[:5] = b"hello"
    block.close()
    numbers = shared_memory.ShareableList(name=list_name)
    numbers[0] = numbers[0] + 41
    numbers[2] = "done"
    numbers.shm.close()


if __name__ == "__main__":
    block = shared_memory.SharedMemory(create=True, size=16)
    numbers = shared_memory.ShareableList([1, 2.5, "start"])
    p = Process(target=write, args=(block.name, numbers.shm.name))
    p.start()
    p.join()
    print("block", bytes(block.buf[:5]))
    print("list", list(numbers))
    block.close()
    block.unlink()
    numbers.shm.close()
    numbers.shm.unlink()
