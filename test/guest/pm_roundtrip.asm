; Real mode -> 32-bit protected mode -> 16-bit protected mode -> real mode,
; the way SeaBIOS does it: real-mode INT through the IVT with IRET, far
; CALL/RETF in real mode, LGDT + MOV CR0 + far JMP, CPUID and RDTSC in
; protected mode, a far CALL into a 16-bit code segment, and back to real
; mode through 16-bit data segments; then the IVT still works, and FS,
; left with a 4 GiB limit, still reaches above 1 MiB after a real-mode
; reload ("unreal" mode, as boot loaders use it).
BASE equ 0xF0000
	bits 16
	org 0
start16:
	cli
	cld
	xor ax, ax
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov sp, 0x7000
	mov word [0x60*4], int60
	mov word [0x60*4+2], 0xF000
	mov word [0x500], 0
	; Real-mode INT and IRET; IF is cleared inside, restored after.
	sti
	int 0x60
	pushf
	pop word [0x504]
	cli
	cmp word [0x500], 1
	mov al, 1
	jne fail16
	test word [0x502], 0x200
	mov al, 2
	jnz fail16
	test word [0x504], 0x200
	mov al, 3
	jz fail16
	; Far CALL / RETF in real mode.
	mov bx, 0
	call 0xF000:farproc
	cmp bx, 0x4242
	mov al, 4
	jne fail16
	; SMSW: PE clear.
	smsw ax
	test al, 1
	mov al, 5
	jnz fail16
	; Into protected mode.
	mov ax, 0xF000
	mov ds, ax
	o32 lgdt [gdtr]
	mov eax, cr0
	or eax, 1
	mov cr0, eax
	jmp dword 0x08:BASE+pm32

int60:	inc word [0x500]
	pushf
	pop word [0x502]
	iret

farproc:
	mov bx, 0x4242
	retf

; AL = status.
fail16:
	mov ah, al
	mov al, 'F'
	out 0xE9, al
	mov al, 10
	out 0xE9, al
	mov al, ah
	out 0xF4, al
	hlt
	jmp fail16

	align 8
gdt:	dq 0
	dq 0x00CF9A000000FFFF     ; 0x08 flat code 32
	dq 0x00CF92000000FFFF     ; 0x10 flat data
	dq 0x00009A0F0000FFFF     ; 0x18 code 16, base 0xF0000
	dq 0x000092000000FFFF     ; 0x20 data 16, base 0, 64 KiB
gdtr:	dw 5*8-1
	dd BASE+gdt

	bits 32
pm32:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov esp, 0x7000
	smsw ax
	test al, 1
	mov al, 6
	jz fail32
	; CPUID: vendor and family 6.
	xor eax, eax
	cpuid
	cmp ebx, 'Genu'
	mov al, 7
	jne fail32
	cmp edx, 'ineI'
	mov al, 8
	jne fail32
	cmp ecx, 'ntel'
	mov al, 9
	jne fail32
	mov eax, 1
	cpuid
	shr eax, 8
	and eax, 15
	cmp eax, 6
	mov al, 10
	jne fail32
	; RDTSC does not go backwards.
	rdtsc
	mov esi, eax
	mov edi, edx
	mov ecx, 1000
.spin:	loop .spin
	rdtsc
	sub eax, esi
	sbb edx, edi
	mov al, 11
	jc fail32
	mov dword [0x200000], 0x5ca1ab1e
	mov ax, 0x10
	mov fs, ax
	; Far call into 16-bit protected-mode code and back.
	mov ebx, 0
	call 0x18:pm16proc
	cmp ebx, 0x1616
	mov al, 12
	jne fail32
	; Back to real mode through a 16-bit code segment.
	jmp 0x18:pm16_exit

fail32:
	mov ah, al
	mov al, 'F'
	out 0xE9, al
	mov al, ah
	out 0xF4, al
	hlt
	jmp fail32

	bits 16
pm16proc:
	mov bx, 0x1616
	o32 retf

pm16_exit:
	mov ax, 0x20
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov eax, cr0
	and eax, ~1
	mov cr0, eax
	jmp 0xF000:real_again
real_again:
	xor ax, ax
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov sp, 0x7000
	int 0x60
	cmp word [0x500], 2
	mov al, 13
	jne fail16
	smsw ax
	test al, 1
	mov al, 14
	jnz fail16
	xor ax, ax
	mov fs, ax                 ; a real-mode load keeps the 4 GiB limit
	mov ebx, [fs:dword 0x200000]
	cmp ebx, 0x5ca1ab1e
	mov al, 15
	jne fail16
	mov al, 'O'
	out 0xE9, al
	mov al, 'K'
	out 0xE9, al
	mov al, 10
	out 0xE9, al
	mov al, 0
	out 0xF4, al
	hlt
	jmp real_again

	times 0xFFF0-($-$$) db 0xFF
	jmp 0xF000:start16
	times 0x10000-($-$$) db 0xFF
